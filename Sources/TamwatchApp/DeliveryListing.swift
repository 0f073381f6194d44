import TamwatchModel
import TamwatchStore

/// Listing the outbox, one way for `tamwatch deliveries` and `GET /api/v1/deliveries`: newest
/// first, filtered by status, job and channel, a page at a time, each delivery in the one
/// representation `StoredDelivery.json` gives.
public enum DeliveryListing {
    /// The most one page holds.
    public static let maxLimit = 500

    public struct Page: Sendable {
        public var deliveries: [StoredDelivery]
        /// The cursor of the next (older) page; nil on the last one.
        public var next: String?
        /// The query of each build on the page, where known.
        public var queries: [String: String]

        /// The page's deliveries as JSON, each with its build's query.
        public var json: [JSONValue] { deliveries.map { $0.json(query: queries[$0.delivery.jobId]) } }
    }

    /// One page, older than `before` (a cursor from the page before). `limit` is taken into
    /// 1...`maxLimit`.
    public static func page(
        _ store: any DeliveryLog, status: StoredDelivery.Status?, jobId: String?, channel: String?, before: Int64?, limit: Int
    ) async throws(StoreError) -> Page {
        let limit = min(max(1, limit), maxLimit)
        let rows = try await store.deliveryPage(status: status, jobId: jobId, channel: channel, before: before, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { Cursor.encode($0.cursor) } : nil
        let jobIds = Array(Set(page.map(\.delivery.delivery.jobId)))
        return Page(deliveries: page.map(\.delivery), next: next, queries: try await store.queries(jobIds: jobIds))
    }
}
