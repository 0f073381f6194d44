import Foundation

/// The kinds of event tamwatch emits (docs/events.md).
public enum EventType: String, Sendable, CaseIterable {
    case statusChanged = "job.status_changed"
    case bandCompleted = "job.band_completed"
    case processedMilestone = "job.processed_milestone"
    case progress = "job.progress"
    case degraded = "job.degraded"
    case stalled = "job.stalled"
    case creditsConsumed = "job.credits_consumed"
    case terminal = "job.terminal"
    case resultsReady = "job.results_ready"
    case budgetWarning = "job.budget_warning"
    case budgetExceeded = "job.budget_exceeded"
    /// About the account, not one build: its `job_id` is null.
    case creditsLow = "account.credits_low"
    case watchError = "watch.error"

    /// Whether a pattern selects this type: the type itself, a group (`job.*`, `watch.*`, `account.*`) or `*`.
    public func matches(pattern: String) -> Bool {
        pattern == "*" || pattern == rawValue || (pattern.hasSuffix(".*") && rawValue.hasPrefix(String(pattern.dropLast())))
    }
}
