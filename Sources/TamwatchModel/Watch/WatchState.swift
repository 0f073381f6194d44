import Foundation

/// What the watcher remembers of one job between polls and across restarts.
///
/// The counters make event ids deterministic (the nth status change, the nth stall) and the
/// high-water marks keep each band and milestone to one announcement even when `processed` dips.
public struct WatchState: Sendable, Equatable {
    /// The last snapshot diffed; nil until the first successful poll (errors may come first).
    public var snapshot: JobSnapshot?
    /// The sequence number of the last event of this job.
    public var sequence = 0
    public var statusChanges = 0
    public var bandsAnnounced = 0
    public var processedHighWater = 0
    public var degradedEvents = 0
    public var creditEvents = 0
    public var lastCredits: Double?
    public var stalls = 0
    /// True while the current stall has been announced; progress clears it.
    public var stallAnnounced = false
    /// When progress (processed, bands, message or status) last changed.
    public var lastProgressAt: Date
    public var terminalAnnounced = false
    public var watchErrors = 0

    public init(lastProgressAt: Date) { self.lastProgressAt = lastProgressAt }

    public var json: JSONValue {
        .object([
            ("snapshot", snapshot?.json ?? .null), ("sequence", .int(Int64(sequence))),
            ("status_changes", .int(Int64(statusChanges))), ("bands_announced", .int(Int64(bandsAnnounced))),
            ("processed_high_water", .int(Int64(processedHighWater))), ("degraded_events", .int(Int64(degradedEvents))),
            ("credit_events", .int(Int64(creditEvents))), ("last_credits", .optional(lastCredits)),
            ("stalls", .int(Int64(stalls))), ("stall_announced", .bool(stallAnnounced)),
            ("last_progress_at", .double(lastProgressAt.timeIntervalSince1970)),
            ("terminal_announced", .bool(terminalAnnounced)), ("watch_errors", .int(Int64(watchErrors))),
        ])
    }

    public init?(json: JSONValue) {
        guard let progressAt = json["last_progress_at"]?.doubleValue else { return nil }
        lastProgressAt = Date(timeIntervalSince1970: progressAt)
        if let s = json["snapshot"], !s.isNull { snapshot = try? JobSnapshot(json: s) }
        sequence = json["sequence"]?.intValue ?? 0
        statusChanges = json["status_changes"]?.intValue ?? 0
        bandsAnnounced = json["bands_announced"]?.intValue ?? 0
        processedHighWater = json["processed_high_water"]?.intValue ?? 0
        degradedEvents = json["degraded_events"]?.intValue ?? 0
        creditEvents = json["credit_events"]?.intValue ?? 0
        lastCredits = json["last_credits"]?.doubleValue
        stalls = json["stalls"]?.intValue ?? 0
        stallAnnounced = json["stall_announced"]?.boolValue ?? false
        terminalAnnounced = json["terminal_announced"]?.boolValue ?? false
        watchErrors = json["watch_errors"]?.intValue ?? 0
    }
}
