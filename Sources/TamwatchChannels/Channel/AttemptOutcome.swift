import Foundation
import TamwatchHTTP

/// What one attempt came to, with the provider's status for the delivery log.
public struct AttemptOutcome: Sendable, Equatable {
    public var outcome: DeliveryOutcome
    public var httpStatus: Int?
    /// The start of the provider's answer (`ok`, `channel_not_found`, a JSON error), for people.
    public var answer: String?

    public init(_ outcome: DeliveryOutcome, httpStatus: Int? = nil, answer: String? = nil) {
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.answer = answer
    }

    /// The first 300 characters of a response body, on one line.
    public static func excerpt(_ response: HTTPResponse) -> String? {
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > 300 || response.truncated || response.body.count > 4096 ? String(line.prefix(300)) + "…" : line
    }
}
