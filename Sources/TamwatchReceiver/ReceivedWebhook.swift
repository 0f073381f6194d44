import Foundation
import TamwatchModel

/// One webhook as a receiver saw it.
public struct ReceivedWebhook: Sendable {
    public var id: String?
    public var path: String
    public var body: [UInt8]
    /// nil when the receiver has no secret; otherwise whether the signature checked out.
    public var verified: Bool?
    public var failure: String?
    /// Seen before with the same `webhook-id` (a retry whose first try did arrive).
    public var duplicate: Bool
    public var receivedAt: Date

    /// The event type, when the body is a tamwatch event.
    public var eventType: String? { (try? JSONValue.parse(bytes: body))?["type"]?.stringValue }
}
