import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

/// The watches `tamwatch serve` follows, read together with what the watcher stored of each job.
extension PostgresStore: WatchRegistry {
    public func register(
        jobId: String, labels: [String: String], maxCredits: Int?, guardAction: String?, query: String?, at now: Date
    ) async throws(StoreError) -> (watch: WatchRecord, created: Bool) {
        let labelsText = Self.text(labels)
        let t = now.timeIntervalSince1970
        return try await transaction { db in
            let created = try await !db.rows(
                """
                INSERT INTO watches (job_id, active, labels, created_at, max_credits, guard_action, query)
                VALUES (\(jobId), TRUE, \(labelsText), \(t), \(maxCredits), \(guardAction), \(query))
                ON CONFLICT (job_id) DO NOTHING RETURNING cursor
                """
            ).isEmpty
            guard let watch = try await Self.watch(jobId, db) else {
                throw StoreError(path: "", message: "the watch of \(jobId) was not stored")
            }
            guard !created, !watch.active, watch.finishedAt == nil else { return (watch, created) }
            // A stopped watch is made active again, with these labels added to its own.
            var merged = watch.labels
            merged.merge(labels) { _, new in new }
            try await db.rows(
                "UPDATE watches SET active = TRUE, stopped_at = NULL, error = NULL, labels = \(Self.text(merged)) WHERE job_id = \(jobId)")
            return (try await Self.watch(jobId, db) ?? watch, false)
        }
    }

    public func stopWatch(jobId: String, at now: Date) async throws(StoreError) -> WatchRecord? {
        let t = now.timeIntervalSince1970
        return try await transaction { db in
            try await db.rows(
                "UPDATE watches SET active = FALSE, stopped_at = COALESCE(stopped_at, \(t)) WHERE job_id = \(jobId) AND active")
            return try await Self.watch(jobId, db)
        }
    }

    public func finishWatch(jobId: String, error: String?, at now: Date) async throws(StoreError) {
        let t = now.timeIntervalSince1970
        try await transaction { db in
            try await db.rows(
                "UPDATE watches SET active = FALSE, finished_at = COALESCE(finished_at, \(t)), error = \(error) WHERE job_id = \(jobId)")
        }
    }

    public func watch(_ jobId: String) async throws(StoreError) -> WatchRecord? {
        try await transaction { db in try await Self.watch(jobId, db) }
    }

    public func watches(_ query: WatchQuery) async throws(StoreError) -> [WatchRecord] {
        let keys = query.labels.map(\.key)
        let values = query.labels.map(\.value)
        return try await transaction { db in
            try await db.rows(
                """
                \(unescaped: Self.watchSelect)
                WHERE (\(query.before)::int8 IS NULL OR w.cursor < \(query.before))
                    AND (\(query.active)::bool IS NULL OR w.active = \(query.active))
                    AND (\(query.status)::text IS NULL OR COALESCE(j.state::jsonb #>> '{snapshot,status}', 'pending') = \(query.status))
                    AND NOT EXISTS (
                        SELECT 1 FROM unnest(\(keys)::text[], \(values)::text[]) AS l(k, v)
                        WHERE (w.labels::jsonb ->> l.k) IS DISTINCT FROM l.v)
                ORDER BY w.cursor DESC LIMIT \(query.limit)
                """
            ).map(Self.watchRecord)
        }
    }

    public func forgetWatch(jobId: String) async throws(StoreError) -> Bool {
        try await transaction { db in try await !db.rows("DELETE FROM watches WHERE job_id = \(jobId) RETURNING job_id").isEmpty }
    }

    public func activeWatchCount() async throws(StoreError) -> Int {
        try await transaction { db in
            try await db.rows("SELECT count(*)::int8 FROM watches WHERE active").first.map { Int(try $0.decode(Int64.self)) } ?? 0
        }
    }

    public func checkWritable() async throws(StoreError) {
        // A write that changes nothing: it fails on a read-only server or a lost connection.
        try await transaction { db in try await db.rows("SELECT txid_current()") }
    }

    static let watchSelect = """
        SELECT w.cursor, w.job_id, w.active, w.labels, w.created_at, w.stopped_at, COALESCE(j.finished_at, w.finished_at),
            w.error, w.max_credits, w.guard_action, j.state,
            (SELECT occurred_at FROM events e WHERE e.job_id = w.job_id ORDER BY e.sequence DESC LIMIT 1),
            (SELECT type FROM events e WHERE e.job_id = w.job_id ORDER BY e.sequence DESC LIMIT 1), w.query
        FROM watches w LEFT JOIN jobs j ON j.job_id = w.job_id
        """

    static func watch(_ jobId: String, _ db: Statements) async throws -> WatchRecord? {
        try await db.rows("\(unescaped: watchSelect) WHERE w.job_id = \(jobId)").first.map(watchRecord)
    }

    static func watchRecord(_ row: PostgresRow) throws -> WatchRecord {
        let (
            cursor, jobId, active, labels, createdAt, stoppedAt, finishedAt, error, maxCredits, guardAction, state, lastEventAt,
            lastEventType, query
        ) =
            try row.decode(
                (Int64, String, Bool, String, Double, Double?, Double?, String?, Int?, String?, String?, Double?, String?, String?).self)
        return WatchRecord(
            jobId: jobId, active: active, labels: decode([String: String].self, labels) ?? [:],
            createdAt: Date(timeIntervalSince1970: createdAt), cursor: cursor, stoppedAt: stoppedAt.map(Date.init(timeIntervalSince1970:)),
            finishedAt: finishedAt.map(Date.init(timeIntervalSince1970:)), error: error, maxCredits: maxCredits, guardAction: guardAction,
            state: decode(WatchState.self, state), lastEventAt: lastEventAt.map(Date.init(timeIntervalSince1970:)),
            lastEventType: lastEventType, query: query)
    }
}
