import Foundation
import TamwatchModel

/// One job's watch between polls: what it remembers, and when it next needs a look. Held by
/// the watcher's scheduler while the job is idle, and by a child task only while it is polled.
struct JobWatch: Sendable {
    let jobId: String
    var state: WatchState?
    var throttle: ThrottleState
    var labels: [String: String]
    var budget: CreditBudget?
    /// The query the watch was given, until the state keeps one.
    var query: String?
    /// Set once a page with rows was read for the query.
    var queryLooked = false
    var unchangedPolls = 0
    var failures = 0
    /// Intervals on the monotonic clock: a wall clock set back cannot stretch the budgets.
    var faultsSince: Duration?
    var notFoundSince: Duration?
    /// Implausible values are logged once each, not on every poll that repeats them.
    var warned = Set<String>()
    /// When the next poll is due (monotonic).
    var pollAt: Duration
    /// When to look before that, to queue an event a throttle held back once its window closes.
    var flushAt: Duration?

    init(jobId: String, state: WatchState?, throttle: ThrottleState, labels: [String: String], pollAt: Duration) {
        self.jobId = jobId
        self.state = state
        self.throttle = throttle
        self.labels = labels
        self.pollAt = pollAt
    }

    /// Whether the next poll reads the page's rows for the build's query.
    var readsQuery: Bool { !queryLooked && query == nil && state?.query == nil }

    /// When the scheduler next wakes this job.
    var wakeAt: Duration { min(pollAt, flushAt ?? pollAt) }
}
