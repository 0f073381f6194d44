import Foundation
import GRDB
import TamwatchModel
import TamwatchStore

/// The delivery log `serve` shows: pages of deliveries, attempts, channel health.
extension SQLiteStore: DeliveryLog {
    public func deliveryPage(
        status: StoredDelivery.Status?, jobId: String?, channel: String?, before: Int64?, limit: Int
    ) async throws(StoreError) -> [(cursor: Int64, delivery: StoredDelivery)] {
        let (filter, arguments) = Self.deliveryFilter(status: status, jobId: jobId, channel: channel, before: before)
        let args = StatementArguments(arguments + [limit]) ?? StatementArguments()
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.columns), rowid FROM deliveries \(filter) ORDER BY rowid DESC LIMIT ?", arguments: args
            )
            .compactMap { row in Self.stored(row).map { (cursor: row[20] as Int64, delivery: $0) } }
        }
    }

    public func delivery(id: String) async throws(StoreError) -> StoredDelivery? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM deliveries WHERE id = ?", arguments: [id]).flatMap(Self.stored)
        }
    }

    public func queries(jobIds: [String]) async throws(StoreError) -> [String: String] {
        guard !jobIds.isEmpty else { return [:] }
        let ids = JSONValue.array(jobIds.map(JSONValue.string)).serialized()
        return try await read { db in
            var out: [String: String] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT w.job_id, COALESCE(json_extract(j.state, '$.query'), w.query) FROM watches w
                        LEFT JOIN jobs j ON j.job_id = w.job_id WHERE w.job_id IN (SELECT value FROM json_each(?1))
                    UNION ALL
                    SELECT job_id, json_extract(state, '$.query') FROM jobs WHERE job_id IN (SELECT value FROM json_each(?1))
                    """, arguments: [ids])
            for row in rows { if let query: String = row[1], out[row[0]] == nil { out[row[0]] = query } }
            return out
        }
    }

    public func attempts(deliveryId: String) async throws(StoreError) -> [AttemptLogEntry] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT at, status_code, duration_ms, error, response_excerpt FROM attempts WHERE delivery_id = ?
                    ORDER BY at, rowid
                    """, arguments: [deliveryId]
            ).map { row in
                AttemptLogEntry(
                    at: Date(timeIntervalSince1970: row[0]), statusCode: row[1], durationMs: row[2], error: row[3], responseExcerpt: row[4])
            }
        }
    }

    public func channelSummaries(health: Bool) async throws(StoreError) -> [ChannelSummary] {
        try await read { db in
            var out: [String: ChannelSummary] = [:]
            // Pending through the partial index `deliveries_due`, dead through `deliveries_settled`.
            for row in try Row.fetchAll(
                db, sql: "SELECT channel, COUNT(*), MIN(created_at) FROM deliveries WHERE status = 'pending' GROUP BY channel")
            {
                var s = out[row[0]] ?? ChannelSummary(channel: row[0])
                s.pending = row[1]
                s.oldestPendingAt = (row[2] as Double?).map(Date.init(timeIntervalSince1970:))
                out[s.channel] = s
            }
            for row in try Row.fetchAll(db, sql: "SELECT channel, COUNT(*) FROM deliveries WHERE status = 'dead' GROUP BY channel") {
                var s = out[row[0]] ?? ChannelSummary(channel: row[0])
                s.dead = row[1]
                out[s.channel] = s
            }
            guard health else { return out.values.sorted { $0.channel < $1.channel } }
            for row in try Row.fetchAll(db, sql: "SELECT channel, MAX(sent_at) FROM deliveries WHERE status = 'sent' GROUP BY channel") {
                var s = out[row[0]] ?? ChannelSummary(channel: row[0])
                s.lastSuccessAt = (row[1] as Double?).map(Date.init(timeIntervalSince1970:))
                out[s.channel] = s
            }
            // The newest failed attempt per channel: its error and when.
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT d.channel, a.error, MAX(a.at) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
                    WHERE a.error IS NOT NULL GROUP BY d.channel
                    """)
            {
                var s = out[row[0]] ?? ChannelSummary(channel: row[0])
                s.lastError = row[1]
                s.lastErrorAt = (row[2] as Double?).map(Date.init(timeIntervalSince1970:))
                out[s.channel] = s
            }
            return out.values.sorted { $0.channel < $1.channel }
        }
    }
}
