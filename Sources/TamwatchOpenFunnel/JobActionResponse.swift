import Foundation
import TamwatchModel

/// The answer to submit, cancel, pause and resume.
public struct JobActionResponse: Sendable, Equatable {
    public var jobId: String
    public var status: JobStatus
    public var message: String
    /// The HTTP status OpenFunnel answered with.
    public var httpStatus: Int?
}
