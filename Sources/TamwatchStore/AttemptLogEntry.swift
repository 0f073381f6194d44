import Foundation

/// One attempt as the delivery log keeps it.
public struct AttemptLogEntry: Sendable, Equatable {
    public var at: Date
    public var statusCode: Int?
    public var durationMs: Int?
    public var error: String?
    /// The first bytes of the receiver's answer.
    public var responseExcerpt: String?

    public init(at: Date, statusCode: Int?, durationMs: Int?, error: String?, responseExcerpt: String?) {
        self.at = at
        self.statusCode = statusCode
        self.durationMs = durationMs
        self.error = error
        self.responseExcerpt = responseExcerpt
    }
}
