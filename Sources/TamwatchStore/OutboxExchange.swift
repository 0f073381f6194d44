import Foundation

/// What one dispatcher turn got from the outbox.
public struct OutboxExchange: Sendable {
    /// Per channel, the deliveries claimed for sending, oldest first.
    public var claimed: [String: [StoredDelivery]]
    /// The earliest due time among unclaimed deliveries of channels that had room left.
    public var nextDue: Date?
    /// Deliveries of disabled channels dead-lettered in this turn.
    public var deadLettered = 0

    public init(claimed: [String: [StoredDelivery]], nextDue: Date?, deadLettered: Int = 0) {
        self.claimed = claimed
        self.nextDue = nextDue
        self.deadLettered = deadLettered
    }
}
