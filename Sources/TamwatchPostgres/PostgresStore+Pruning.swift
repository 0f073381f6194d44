import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

extension PostgresStore: Pruning {
    public func prune(_ request: PruneRequest, limit: Int, now: Date) async throws(StoreError) -> PruneCounts {
        guard !request.isEmpty, limit > 0 else { return PruneCounts() }
        let at = now.timeIntervalSince1970
        return try await transaction { db in
            var counts = PruneCounts(lastAt: now)
            if let before = request.eventsOfJobsFinishedBefore?.timeIntervalSince1970 {
                // Events already written out, of jobs that finished before the cut-off.
                counts.events = try await db.rows(
                    """
                    DELETE FROM events WHERE cursor IN (
                        SELECT e.cursor FROM jobs j JOIN events e ON e.job_id = j.job_id
                        WHERE j.finished_at IS NOT NULL AND j.finished_at < \(before) AND e.emitted LIMIT \(limit))
                    RETURNING cursor
                    """
                ).count
            }
            for (status, before) in [("sent", request.sentBefore), ("dead", request.deadBefore)] {
                guard let before = before?.timeIntervalSince1970 else { continue }
                let ids = try await db.rows(
                    """
                    DELETE FROM deliveries WHERE id IN (
                        SELECT id FROM deliveries
                        WHERE status = \(status) AND COALESCE(last_attempt_at, created_at) < \(before) AND status IN ('sent', 'dead')
                        LIMIT \(limit))
                    RETURNING id
                    """
                ).map { try $0.decode(String.self) }
                if !ids.isEmpty { try await db.rows("DELETE FROM attempts WHERE delivery_id = ANY(\(ids))") }
                if status == "sent" { counts.sent = ids.count } else { counts.dead = ids.count }
            }
            if let before = request.watchesEndedBefore?.timeIntervalSince1970 {
                counts.watches = try await db.rows(
                    """
                    DELETE FROM watches WHERE job_id IN (
                        SELECT job_id FROM watches WHERE NOT active AND COALESCE(finished_at, stopped_at) < \(before) LIMIT \(limit))
                    RETURNING job_id
                    """
                ).count
            }
            for (kind, n) in [("events", counts.events), ("sent", counts.sent), ("dead", counts.dead), ("watches", counts.watches)] {
                try await db.rows(
                    """
                    INSERT INTO pruned (kind, count, last_at) VALUES (\(kind), \(n), \(at))
                    ON CONFLICT (kind) DO UPDATE SET count = pruned.count + excluded.count, last_at = excluded.last_at
                    """)
            }
            return counts
        }
    }

    public func pruned() async throws(StoreError) -> PruneCounts {
        try await transaction { db in
            var counts = PruneCounts()
            for row in try await db.rows("SELECT kind, count, last_at FROM pruned") {
                let (kind, n, at) = try row.decode((String, Int, Double?).self)
                switch kind {
                case "events": counts.events = n
                case "sent": counts.sent = n
                case "watches": counts.watches = n
                default: counts.dead = n
                }
                if let at {
                    let date = Date(timeIntervalSince1970: at)
                    counts.lastAt = max(counts.lastAt ?? date, date)
                }
            }
            return counts
        }
    }
}
