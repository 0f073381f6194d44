import Foundation
import TamwatchModel

/// A response as received. Redirects are never followed, so a 3xx arrives here as it is.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// The body was longer than the request's `.keep` limit; the rest was discarded.
    public var truncated: Bool

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    /// The last value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
