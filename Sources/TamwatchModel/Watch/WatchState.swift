import Foundation

/// What the watcher remembers of one job between polls and across restarts.
///
/// The counters make event ids deterministic (the nth status change, the nth stall) and the
/// high-water marks keep each band and milestone to one announcement even when `processed` dips.
public struct WatchState: Sendable, Equatable {
    /// The build's query ("B2B payments startups in Europe"), as submitted or as its first rows
    /// give it; nil until known. Every event of the job carries it as `data.query`.
    public var query: String?
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
    /// `processed` at its last few changes, for `rate_per_minute` in progress events.
    public var pace: [PaceSample] = []
    public var watchErrors = 0
    /// The build's credit budget, when it has one; kept so that it outlives a restart.
    public var budget: CreditBudget?
    public var budgetWarned = false
    /// Set once the guard has acted: it acts once per build.
    public var budgetExceeded = false
    /// Set once `job.results_ready` is stored for the completed build.
    public var resultsReported = false
    /// The account's state (kept under an empty job id): `account.credits_low` was announced
    /// and the balance has not recovered since.
    public var creditsLow = false

    public init(lastProgressAt: Date) { self.lastProgressAt = lastProgressAt }
}
