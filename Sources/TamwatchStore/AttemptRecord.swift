import Foundation

/// What one attempt came to, as the dispatcher records it.
public struct AttemptRecord: Sendable {
    public enum Result: Sendable, Equatable {
        case sent
        case retry(at: Date)
        case dead
    }

    public var id: String
    public var result: Result
    public var at: Date
    public var failures: Int
    public var httpStatus: Int?
    public var error: String?
    /// How long the attempt took, and the first bytes of the answer, for the delivery log.
    public var durationMs: Int?
    public var responseExcerpt: String?
    /// The channel asked for a pause (a 429, or a 503 with Retry-After): no dispatcher
    /// sharing the store sends to it for this many seconds.
    public var pause: TimeInterval?

    public init(
        id: String, result: Result, at: Date, failures: Int, httpStatus: Int? = nil, error: String? = nil, durationMs: Int? = nil,
        responseExcerpt: String? = nil
    ) {
        self.durationMs = durationMs
        self.responseExcerpt = responseExcerpt
        self.id = id
        self.result = result
        self.at = at
        self.failures = failures
        self.httpStatus = httpStatus
        self.error = error
    }
}
