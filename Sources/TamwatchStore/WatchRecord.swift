import Foundation
import TamwatchModel

/// A watch `tamwatch serve` was asked for: the job, whether it is still followed, and what the
/// watcher last stored of it.
public struct WatchRecord: Sendable, Equatable {
    public var jobId: String
    /// Polled now, and again after a restart; false once stopped, finished or given up.
    public var active: Bool
    public var labels: [String: String]
    public var createdAt: Date
    public var stoppedAt: Date?
    /// When the job's end was stored (completed, failed, cancelled).
    public var finishedAt: Date?
    /// Why the job could not be watched, when it could not.
    public var error: String?
    public var maxCredits: Int?
    public var guardAction: String?
    /// The build's query: as the watcher keeps it, else as submitted through the API.
    public var query: String?
    /// The watcher's state of the job; nil before its first stored poll.
    public var state: WatchState?
    public var lastEventAt: Date?
    /// The type of the last event, beside its time.
    public var lastEventType: String?
    /// Where this watch sits in the newest-first list (a larger cursor is newer).
    public var cursor: Int64

    public init(
        jobId: String, active: Bool, labels: [String: String], createdAt: Date, cursor: Int64, stoppedAt: Date? = nil,
        finishedAt: Date? = nil, error: String? = nil, maxCredits: Int? = nil, guardAction: String? = nil,
        state: WatchState? = nil, lastEventAt: Date? = nil, lastEventType: String? = nil, query: String? = nil
    ) {
        // The watcher's, when it has one (what the events carry), else the registered one.
        self.query = state?.query ?? query
        self.jobId = jobId
        self.active = active
        self.labels = labels
        self.createdAt = createdAt
        self.cursor = cursor
        self.stoppedAt = stoppedAt
        self.finishedAt = finishedAt
        self.error = error
        self.maxCredits = maxCredits
        self.guardAction = guardAction
        self.state = state
        self.lastEventAt = lastEventAt
        self.lastEventType = lastEventType
    }

    /// The build's last seen status (`pending` before the first poll).
    public var status: String { state?.snapshot?.status.rawValue ?? "pending" }
}
