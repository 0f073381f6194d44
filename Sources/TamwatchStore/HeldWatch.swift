import Foundation

/// A watch one replica holds under a lease: it alone polls the job, and its commits for the
/// job are taken only while it still holds `epoch` (the fencing token, raised by every
/// acquisition).
public struct HeldWatch: Sendable, Equatable {
    public var jobId: String
    public var epoch: Int64
    public var labels: [String: String]
    public var maxCredits: Int?
    public var guardAction: String?
    /// The build's query, when it was submitted through the API.
    public var query: String?

    public init(
        jobId: String, epoch: Int64, labels: [String: String] = [:], maxCredits: Int? = nil, guardAction: String? = nil,
        query: String? = nil
    ) {
        self.query = query
        self.jobId = jobId
        self.epoch = epoch
        self.labels = labels
        self.maxCredits = maxCredits
        self.guardAction = guardAction
    }
}
