import TamwatchModel

/// A job to watch: its labels, and its own credit budget (else the watcher's default, or the
/// one the job's stored state carries from an earlier watch).
public struct WatchRequest: Sendable {
    public var jobId: String
    public var labels: [String: String]
    public var budget: CreditBudget?
    /// The build's query, when whoever submitted it is watching it; else the watch reads it
    /// from the build's first rows.
    public var query: String?

    public init(jobId: String, labels: [String: String] = [:], budget: CreditBudget? = nil, query: String? = nil) {
        self.jobId = jobId
        self.query = query
        self.labels = labels
        self.budget = budget
    }
}
