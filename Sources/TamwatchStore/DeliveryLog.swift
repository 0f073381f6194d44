import Foundation

/// What the service shows of the outbox: pages of deliveries, each one's attempts, each
/// channel's health.
public protocol DeliveryLog: Sendable {
    /// Newest first, older than `before` (a cursor from the page before).
    func deliveryPage(
        status: StoredDelivery.Status?, jobId: String?, channel: String?, before: Int64?, limit: Int
    ) async throws(StoreError) -> [(cursor: Int64, delivery: StoredDelivery)]

    func delivery(id: String) async throws(StoreError) -> StoredDelivery?

    /// Every recorded attempt of a delivery, oldest first.
    func attempts(deliveryId: String) async throws(StoreError) -> [AttemptLogEntry]

    /// Per channel: pending, dead, the last success and the last error.
    func channelSummaries() async throws(StoreError) -> [ChannelSummary]
}

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

/// How one channel is doing.
public struct ChannelSummary: Sendable, Equatable {
    public var channel: String
    public var pending = 0
    public var dead = 0
    /// When the oldest pending delivery was queued.
    public var oldestPendingAt: Date?
    public var lastSuccessAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?

    public init(channel: String) { self.channel = channel }
}
