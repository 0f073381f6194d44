import Foundation
import GRDB
import TamwatchStore

extension SQLiteStore: Pruning {
    public func prune(_ request: PruneRequest, limit: Int, now: Date) async throws(StoreError) -> PruneCounts {
        guard !request.isEmpty, limit > 0 else { return PruneCounts() }
        return try await write { db in
            var counts = PruneCounts(lastAt: now)
            if let before = request.eventsOfJobsFinishedBefore {
                // Events already written out, of jobs that finished before the cut-off.
                try db.execute(
                    sql: """
                        DELETE FROM events WHERE rowid IN (
                            SELECT events.rowid FROM jobs JOIN events ON events.job_id = jobs.job_id
                            WHERE jobs.finished_at IS NOT NULL AND jobs.finished_at < ? AND events.emitted = 1 LIMIT ?)
                        """, arguments: [before.timeIntervalSince1970, limit])
                counts.events = db.changesCount
            }
            for (status, before) in [("sent", request.sentBefore), ("dead", request.deadBefore)] {
                guard let before else { continue }
                // The repeated status test and the COALESCE match the partial index `deliveries_settled`.
                let ids = try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM deliveries
                        WHERE status = ? AND COALESCE(last_attempt_at, created_at) < ? AND status IN ('sent', 'dead') LIMIT ?
                        """, arguments: [status, before.timeIntervalSince1970, limit])
                for id in ids {
                    try db.cachedStatement(sql: "DELETE FROM attempts WHERE delivery_id = ?").execute(arguments: [id])
                    try db.cachedStatement(sql: "DELETE FROM deliveries WHERE id = ?").execute(arguments: [id])
                }
                if status == "sent" { counts.sent = ids.count } else { counts.dead = ids.count }
            }
            if let before = request.watchesEndedBefore {
                try db.execute(
                    sql: """
                        DELETE FROM watches WHERE rowid IN (
                            SELECT rowid FROM watches WHERE active = 0 AND COALESCE(finished_at, stopped_at) < ? LIMIT ?)
                        """, arguments: [before.timeIntervalSince1970, limit])
                counts.watches = db.changesCount
            }
            for (kind, n) in [("events", counts.events), ("sent", counts.sent), ("dead", counts.dead), ("watches", counts.watches)] {
                try db.execute(
                    sql: """
                        INSERT INTO pruned (kind, count, last_at) VALUES (?, ?, ?)
                        ON CONFLICT(kind) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at
                        """, arguments: [kind, n, now.timeIntervalSince1970])
            }
            return counts
        }
    }

    public func pruned() async throws(StoreError) -> PruneCounts {
        try await read { db in
            var counts = PruneCounts()
            for row in try Row.fetchAll(db, sql: "SELECT kind, count, last_at FROM pruned") {
                let n: Int = row["count"]
                switch row["kind"] as String {
                case "events": counts.events = n
                case "sent": counts.sent = n
                case "watches": counts.watches = n
                default: counts.dead = n
                }
                if let at: Double = row["last_at"] {
                    let date = Date(timeIntervalSince1970: at)
                    counts.lastAt = max(counts.lastAt ?? date, date)
                }
            }
            return counts
        }
    }
}
