import Foundation
import TamwatchModel

/// Accumulates one observation's events, numbering them from the stored sequence.
struct EventBuilder {
    var state: WatchState
    var events: [Event] = []
    var warnings: [String] = []
    let current: JobSnapshot
    let now: Date
    let labels: [String: String]
    /// `bands_done`, at most `bands_total` when that is known: a count past the total is the
    /// API's mistake, not bands to announce.
    let bandsDone: Int?
    /// Built on the first event only: most polls change nothing and need no summary.
    lazy var job: JSONValue = Event.jobSummary(current)

    /// `query` is the build's query when the watch was given it (a submit); the state keeps the
    /// first one known, else takes the page's `source_query`.
    init(state: WatchState, current: JobSnapshot, now: Date, labels: [String: String], query: String? = nil) {
        self.state = state
        if self.state.query == nil { self.state.query = query ?? current.sourceQuery }
        self.current = current
        self.now = now
        self.labels = labels
        var done = current.bandsDone.map { max(0, $0) }
        if let d = done, let total = current.bandsTotal, total > 0, d > total {
            warnings.append("job \(current.jobId): bands_done \(d) exceeds bands_total \(total); counted as \(total)")
            done = total
        }
        bandsDone = done
    }

    mutating func emit(_ type: EventType, key: String, _ data: [(String, JSONValue)]) {
        state.sequence += 1
        events.append(
            Event(
                id: Event.makeID(jobId: current.jobId, type: type, key: key), type: type,
                jobId: current.jobId, sequence: state.sequence, occurredAt: now,
                data: Event.data(data, query: state.query), job: job, labels: labels))
    }

    /// The job is degraded while either flag says so; only the change from not degraded to
    /// degraded is news. `source` names the flag that turned it (the job's when both did).
    mutating func announceDegraded(last: JobSnapshot?) {
        func degraded(_ s: JobSnapshot?) -> Bool { s?.degraded == true || s?.manifest?.degraded == true }
        guard degraded(current), !degraded(last) else { return }
        state.degradedEvents += 1
        let source = current.degraded == true ? "job" : "manifest"
        emit(.degraded, key: "degraded:\(state.degradedEvents)", [("source", .string(source))])
    }

    mutating func announceCredits() {
        guard let credits = current.manifest?.creditsConsumed, credits != state.lastCredits else { return }
        state.creditEvents += 1
        state.lastCredits = credits
        emit(
            .creditsConsumed, key: "credits:\(state.creditEvents)",
            [("credits_consumed", .number(credits)), ("unique_count", .optional(current.manifest?.uniqueCount))])
    }

    mutating func announceTerminal() {
        guard current.status.isTerminal, !state.terminalAnnounced else { return }
        state.terminalAnnounced = true
        emit(
            .terminal, key: "terminal:\(current.status.rawValue)",
            [
                ("status", .string(current.status.rawValue)), ("error_message", .optional(current.errorMessage)),
                ("manifest", current.manifest?.json ?? .null), ("top", .array(current.top ?? [])),
            ])
    }
}
