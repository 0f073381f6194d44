import Foundation

/// What the service shows of the outbox: pages of deliveries, each one's attempts, each
/// channel's health.
public protocol DeliveryLog: Sendable {
    /// Newest first, older than `before` (a cursor from the page before).
    func deliveryPage(
        status: StoredDelivery.Status?, jobId: String?, channel: String?, before: Int64?, limit: Int
    ) async throws(StoreError) -> [(cursor: Int64, delivery: StoredDelivery)]

    func delivery(id: String) async throws(StoreError) -> StoredDelivery?

    /// The queries of these builds, where known: as the watcher keeps it, else as a build
    /// submitted through the API was registered.
    func queries(jobIds: [String]) async throws(StoreError) -> [String: String]

    /// Every recorded attempt of a delivery, oldest first.
    func attempts(deliveryId: String) async throws(StoreError) -> [AttemptLogEntry]

    /// Per channel: pending (and the oldest), dead, and with `health` the last success and the
    /// last error too (which read the settled deliveries and the attempts: not for every scrape).
    func channelSummaries(health: Bool) async throws(StoreError) -> [ChannelSummary]
}
