import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

/// A delivery row in and out.
extension PostgresStore {
    /// Queues a delivery due at `now`; false when it was there already.
    @discardableResult
    static func insert(_ d: Delivery, at now: Double, _ db: Statements) async throws -> Bool {
        try await !db.rows(
            """
            INSERT INTO deliveries (id, event_id, job_id, event_type, channel, rule, content_type, body, message_extra,
                folded, render_error, next_at, created_at)
            VALUES (\(d.id), \(d.eventId), \(d.jobId), \(d.eventType.rawValue), \(d.channel), \(d.rule), \(d.message.contentType),
                \(d.message.body), \(d.message.extraJSON?.serialized()), \(d.folded), \(d.renderError), \(now),
                \(d.createdAt.timeIntervalSince1970))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    /// The columns `stored` reads, in its order (then `seq`, the insertion order).
    static let columns = """
        id, event_id, job_id, event_type, channel, rule, content_type, body, message_extra, folded, render_error, status,
        attempts, failures, next_at, created_at, last_attempt_at, sent_at, last_status, last_error, seq
        """

    struct Row: Sendable {
        let delivery: StoredDelivery?
        let id: String
        let eventType: String
        let status: String
        let seq: Int64
    }

    static func read(_ row: PostgresRow) throws -> Row {
        let (id, eventId, jobId, type, channel, rule, contentType, body, extra, folded) = try row.decode(
            (String, String, String, String, String, String, String, String, String?, Int).self)
        let cells = row.makeRandomAccess()
        let renderError = try cells[10].decode(String?.self)
        let status = try cells[11].decode(String.self)
        let attempts = try cells[12].decode(Int.self)
        let failures = try cells[13].decode(Int.self)
        let nextAt = try cells[14].decode(Double.self)
        let createdAt = try cells[15].decode(Double.self)
        let lastAttemptAt = try cells[16].decode(Double?.self)
        let sentAt = try cells[17].decode(Double?.self)
        let lastStatus = try cells[18].decode(Int?.self)
        let lastError = try cells[19].decode(String?.self)
        let seq = try cells[20].decode(Int64.self)
        guard let eventType = EventType(rawValue: type), let state = StoredDelivery.Status(rawValue: status) else {
            return Row(delivery: nil, id: id, eventType: type, status: status, seq: seq)
        }
        var message = RenderedMessage(body: body, contentType: contentType)
        if let extra, let json = try? JSONValue.parse(extra) { message.apply(extraJSON: json) }
        let delivery = Delivery(
            id: id, eventId: eventId, jobId: jobId, eventType: eventType, channel: channel, rule: rule, message: message,
            folded: folded, createdAt: Date(timeIntervalSince1970: createdAt), renderError: renderError)
        let stored = StoredDelivery(
            delivery: delivery, status: state, attempts: attempts, failures: failures, nextAt: Date(timeIntervalSince1970: nextAt),
            lastAttemptAt: lastAttemptAt.map(Date.init(timeIntervalSince1970:)), sentAt: sentAt.map(Date.init(timeIntervalSince1970:)),
            lastStatus: lastStatus, lastError: lastError)
        return Row(delivery: stored, id: id, eventType: type, status: status, seq: seq)
    }

    static func stored(_ rows: [PostgresRow]) throws -> [StoredDelivery] { try rows.compactMap { try read($0).delivery } }
}
