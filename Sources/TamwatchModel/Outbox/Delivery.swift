import Foundation

/// One message for one channel, rendered and ready for the outbox.
public struct Delivery: Sendable, Equatable {
    /// `dlv_` + a hash of the event id and the channel: one delivery per (event, channel) pair.
    public var id: String
    public var eventId: String
    public var jobId: String
    public var eventType: EventType
    public var channel: String
    public var rule: String
    public var message: RenderedMessage
    /// Deliveries the rule's throttle held back since the last one that went out.
    public var folded: Int
    public var createdAt: Date
    /// A template that failed; the fallback message was queued instead.
    public var renderError: String?

    public init(
        id: String, eventId: String, jobId: String, eventType: EventType, channel: String, rule: String,
        message: RenderedMessage, folded: Int, createdAt: Date, renderError: String? = nil
    ) {
        self.id = id
        self.eventId = eventId
        self.jobId = jobId
        self.eventType = eventType
        self.channel = channel
        self.rule = rule
        self.message = message
        self.folded = folded
        self.createdAt = createdAt
        self.renderError = renderError
    }

    public static func makeID(eventId: String, channel: String) -> String {
        "dlv_" + StableHash.hex128("\(eventId)|\(channel)")
    }
}
