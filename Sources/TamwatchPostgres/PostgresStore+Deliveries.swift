import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

/// A delivery row in and out.
extension PostgresStore {
    /// Queues deliveries due at `now`, in one statement; false when every one was there already.
    /// (Absent values travel as '' in the arrays.)
    static func insert(_ deliveries: [Delivery], at now: Double, _ db: Statements) async throws -> Bool {
        guard !deliveries.isEmpty else { return false }
        let d = deliveries
        return try await !db.rows(
            """
            INSERT INTO deliveries (id, event_id, job_id, event_type, channel, rule, content_type, body, message_extra,
                folded, render_error, next_at, created_at)
            SELECT d.id, d.event_id, d.job_id, d.event_type, d.channel, d.rule, d.content_type, d.body, NULLIF(d.extra, ''),
                d.folded, NULLIF(d.render_error, ''), \(now), d.created_at
            FROM unnest(\(d.map(\.id))::text[], \(d.map(\.eventId))::text[], \(d.map(\.jobId))::text[],
                \(d.map(\.eventType.rawValue))::text[], \(d.map(\.channel))::text[], \(d.map(\.rule))::text[],
                \(d.map(\.message.contentType))::text[], \(d.map(\.message.body))::text[],
                \(d.map { $0.message.extraJSON?.serialized() ?? "" })::text[], \(d.map(\.folded))::int8[],
                \(d.map { $0.renderError ?? "" })::text[], \(d.map(\.createdAt.timeIntervalSince1970))::float8[])
                WITH ORDINALITY AS d(id, event_id, job_id, event_type, channel, rule, content_type, body, extra, folded,
                    render_error, created_at, n)
            ORDER BY d.n
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

        /// Oldest first: due time, then queued time, then `seq`.
        var order: (Double, Double, Int64) {
            (delivery?.nextAt.timeIntervalSince1970 ?? 0, delivery?.delivery.createdAt.timeIntervalSince1970 ?? 0, seq)
        }
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
