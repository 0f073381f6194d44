import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

/// The delivery log `serve` shows: pages of deliveries, attempts, channel health.
extension PostgresStore: DeliveryLog {
    public func deliveryPage(
        status: StoredDelivery.Status?, jobId: String?, channel: String?, before: Int64?, limit: Int
    ) async throws(StoreError) -> [(cursor: Int64, delivery: StoredDelivery)] {
        try await transaction { db in
            try await db.rows(
                """
                SELECT \(unescaped: Self.columns) FROM deliveries
                WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                    AND (\(jobId)::text IS NULL OR job_id = \(jobId)) AND (\(channel)::text IS NULL OR channel = \(channel))
                    AND (\(before)::int8 IS NULL OR seq < \(before))
                ORDER BY seq DESC LIMIT \(limit)
                """
            ).compactMap { row in
                let read = try Self.read(row)
                return read.delivery.map { (cursor: read.seq, delivery: $0) }
            }
        }
    }

    public func delivery(id: String) async throws(StoreError) -> StoredDelivery? {
        try await transaction { db in
            try Self.stored(await db.rows("SELECT \(unescaped: Self.columns) FROM deliveries WHERE id = \(id)")).first
        }
    }

    public func queries(jobIds: [String]) async throws(StoreError) -> [String: String] {
        guard !jobIds.isEmpty else { return [:] }
        return try await transaction { db in
            var out: [String: String] = [:]
            for row in try await db.rows(
                """
                SELECT w.job_id, COALESCE(j.state::jsonb ->> 'query', w.query) FROM watches w
                    LEFT JOIN jobs j ON j.job_id = w.job_id WHERE w.job_id = ANY(\(jobIds))
                UNION ALL
                SELECT job_id, state::jsonb ->> 'query' FROM jobs WHERE job_id = ANY(\(jobIds))
                """)
            {
                let (jobId, query) = try row.decode((String, String?).self)
                if let query, out[jobId] == nil { out[jobId] = query }
            }
            return out
        }
    }

    public func attempts(deliveryId: String) async throws(StoreError) -> [AttemptLogEntry] {
        try await transaction { db in
            try await db.rows(
                """
                SELECT at, status_code, duration_ms, error, response_excerpt FROM attempts WHERE delivery_id = \(deliveryId)
                ORDER BY at, seq
                """
            ).map { row in
                let (at, status, duration, error, excerpt) = try row.decode((Double, Int?, Int?, String?, String?).self)
                return AttemptLogEntry(
                    at: Date(timeIntervalSince1970: at), statusCode: status, durationMs: duration, error: error, responseExcerpt: excerpt)
            }
        }
    }

    public func channelSummaries(health: Bool) async throws(StoreError) -> [ChannelSummary] {
        try await transaction { db in
            var out: [String: ChannelSummary] = [:]
            for row in try await db.rows(
                "SELECT channel, COUNT(*), MIN(created_at) FROM deliveries WHERE status = 'pending' GROUP BY channel")
            {
                let (channel, count, oldest) = try row.decode((String, Int, Double?).self)
                var s = out[channel] ?? ChannelSummary(channel: channel)
                s.pending = count
                s.oldestPendingAt = oldest.map(Date.init(timeIntervalSince1970:))
                out[channel] = s
            }
            for row in try await db.rows("SELECT channel, COUNT(*) FROM deliveries WHERE status = 'dead' GROUP BY channel") {
                let (channel, count) = try row.decode((String, Int).self)
                var s = out[channel] ?? ChannelSummary(channel: channel)
                s.dead = count
                out[channel] = s
            }
            guard health else { return out.values.sorted { $0.channel < $1.channel } }
            for row in try await db.rows("SELECT channel, MAX(sent_at) FROM deliveries WHERE status = 'sent' GROUP BY channel") {
                let (channel, at) = try row.decode((String, Double?).self)
                var s = out[channel] ?? ChannelSummary(channel: channel)
                s.lastSuccessAt = at.map(Date.init(timeIntervalSince1970:))
                out[channel] = s
            }
            // The newest failed attempt per channel: its error and when.
            for row in try await db.rows(
                """
                SELECT DISTINCT ON (d.channel) d.channel, a.error, a.at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
                WHERE a.error IS NOT NULL ORDER BY d.channel, a.at DESC, a.seq DESC
                """)
            {
                let (channel, error, at) = try row.decode((String, String?, Double).self)
                var s = out[channel] ?? ChannelSummary(channel: channel)
                s.lastError = error
                s.lastErrorAt = Date(timeIntervalSince1970: at)
                out[channel] = s
            }
            return out.values.sorted { $0.channel < $1.channel }
        }
    }
}
