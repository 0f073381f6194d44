import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

/// Listing and replay: what `deliveries`, `replay` and a drain read.
extension PostgresStore {
    public func deliveries(status: StoredDelivery.Status?, jobId: String?, channel: String?, limit: Int) async throws(StoreError)
        -> [StoredDelivery]
    {
        try await transaction { db in
            try Self.stored(
                await db.rows(
                    """
                    SELECT \(unescaped: Self.columns) FROM deliveries
                    WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                        AND (\(jobId)::text IS NULL OR job_id = \(jobId)) AND (\(channel)::text IS NULL OR channel = \(channel))
                    ORDER BY created_at, seq LIMIT \(limit)
                    """))
        }
    }

    public func deliveries(idPrefix prefix: String) async throws(StoreError) -> [StoredDelivery] {
        try await transaction { db in
            try Self.stored(
                await db.rows("SELECT \(unescaped: Self.columns) FROM deliveries WHERE starts_with(id, \(prefix)) LIMIT 2"))
        }
    }

    public func requeue(ids: [String], at now: Date, batch: String?) async throws(StoreError) -> [String] {
        let t = databaseTime(now)
        return try await transaction { db in
            var queued: [String] = []
            // One at a time, in the order given: the ids queued come back in that order.
            for id in ids {
                let rows = try await db.rows(
                    """
                    UPDATE deliveries SET status = 'pending', failures = 0, next_at = \(t), batch = \(batch)
                    WHERE id = \(id) AND (claim_owner IS NULL OR claim_until <= \(t)) RETURNING id
                    """)
                if !rows.isEmpty { queued.append(id) }
            }
            if !queued.isEmpty { try await Self.notify(.outbox, db) }
            return queued
        }
    }

    public func deliveries(batch: String) async throws(StoreError) -> [StoredDelivery] {
        try await transaction { db in
            try Self.stored(
                await db.rows("SELECT \(unescaped: Self.columns) FROM deliveries WHERE batch = \(batch) ORDER BY created_at, seq"))
        }
    }

    public func pending(jobIds: [String]?, batch: String?, channels: [String], countAll: Bool) async throws(StoreError) -> PendingSummary {
        guard !channels.isEmpty else { return PendingSummary(count: 0, nextAt: nil) }
        let filterJobs = jobIds != nil
        let jobs = jobIds ?? []
        return try await transaction { db in
            let row = try await db.rows(
                """
                SELECT COUNT(*), MIN(next_at) FROM deliveries
                WHERE status = 'pending' AND channel = ANY(\(channels)) AND (NOT \(filterJobs) OR job_id = ANY(\(jobs)))
                    AND (\(batch)::text IS NULL OR batch = \(batch))
                """
            ).first
            guard let (count, next) = try row?.decode((Int, Double?).self), count > 0 else { return PendingSummary(count: 0, nextAt: nil) }
            return PendingSummary(count: countAll ? count : 1, nextAt: next.map(Date.init(timeIntervalSince1970:)))
        }
    }
}
