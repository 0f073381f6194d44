import Foundation
import GRDB
import TamwatchModel
import TamwatchStore

/// The watches `tamwatch serve` follows, read together with what the watcher stored of each job.
extension SQLiteStore: WatchRegistry {
    public func register(
        jobId: String, labels: [String: String], maxCredits: Int?, guardAction: String?, query: String?, at now: Date
    ) async throws(StoreError) -> (watch: WatchRecord, created: Bool) {
        let labelsText = Self.text(labels)
        return try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO watches (job_id, active, labels, created_at, max_credits, guard_action, query)
                    VALUES (?, 1, ?, ?, ?, ?, ?)
                    ON CONFLICT(job_id) DO NOTHING
                    """
            ).execute(arguments: [jobId, labelsText, now.timeIntervalSince1970, maxCredits, guardAction, query])
            let created = db.changesCount > 0
            guard let watch = try Self.watch(jobId, db) else {
                throw StoreError(path: "", message: "the watch of \(jobId) was not stored")
            }
            guard !created, !watch.active, watch.finishedAt == nil else { return (watch, created) }
            // A stopped watch is made active again, with these labels added to its own.
            var merged = watch.labels
            merged.merge(labels) { _, new in new }
            try db.execute(
                sql: "UPDATE watches SET active = 1, stopped_at = NULL, error = NULL, labels = ? WHERE job_id = ?",
                arguments: [Self.text(merged), jobId])
            return (try Self.watch(jobId, db) ?? watch, false)
        }
    }

    public func stopWatch(jobId: String, at now: Date) async throws(StoreError) -> WatchRecord? {
        try await write { db in
            try db.execute(
                sql: "UPDATE watches SET active = 0, stopped_at = COALESCE(stopped_at, ?) WHERE job_id = ? AND active = 1",
                arguments: [now.timeIntervalSince1970, jobId])
            return try Self.watch(jobId, db)
        }
    }

    public func finishWatch(jobId: String, error: String?, at now: Date) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE watches SET active = 0, finished_at = COALESCE(finished_at, ?), error = ? WHERE job_id = ?",
                arguments: [now.timeIntervalSince1970, error, jobId])
        }
    }

    public func watch(_ jobId: String) async throws(StoreError) -> WatchRecord? {
        try await read { db in try Self.watch(jobId, db) }
    }

    public func watches(_ query: WatchQuery) async throws(StoreError) -> [WatchRecord] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let before = query.before { conditions.append("w.cursor < ?"); arguments.append(before) }
        if let active = query.active { conditions.append("w.active = ?"); arguments.append(active) }
        if let status = query.status {
            conditions.append("COALESCE(json_extract(j.state, '$.snapshot.status'), 'pending') = ?")
            arguments.append(status)
        }
        for (key, value) in query.labels {
            // By key and value as they are: no JSON path is built from the key, so any character
            // in it (a quote, a dot) matches itself.
            conditions.append("EXISTS (SELECT 1 FROM json_each(w.labels) l WHERE l.key = ? AND l.value = ?)")
            arguments.append(key)
            arguments.append(value)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let args = StatementArguments(arguments + [query.limit]) ?? StatementArguments()
        return try await read { db in
            try Row.fetchAll(db, sql: "\(Self.watchSelect) \(filter) ORDER BY w.cursor DESC LIMIT ?", arguments: args).map(Self.watchRecord)
        }
    }

    public func forgetWatch(jobId: String) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM watches WHERE job_id = ?", arguments: [jobId])
            return db.changesCount > 0
        }
    }

    public func activeWatchCount() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM watches WHERE active = 1") ?? 0 }
    }

    /// The least free space the state's filesystem must have to take writes: an empty write
    /// transaction still succeeds on a full disk (SQLite reuses its log's pages), so readiness
    /// and a build's submission also look at the disk.
    static let minimumFreeBytes: UInt64 = 1 << 20

    public func checkWritable() async throws(StoreError) {
        var disk = statvfs()
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if statvfs(folder, &disk) == 0 {
            let free = UInt64(disk.f_bavail) * UInt64(disk.f_frsize)
            if free < Self.minimumFreeBytes {
                throw StoreError(path: path, message: "database or disk is full (\(free / 1024) KB free on its filesystem)")
            }
        }
        // An empty write transaction: it takes (and gives back) the write lock.
        try await write { _ in }
    }

    static let watchSelect = """
        SELECT w.cursor, w.job_id, w.active, w.labels, w.created_at, w.stopped_at, COALESCE(j.finished_at, w.finished_at),
            w.error, w.max_credits, w.guard_action, j.state,
            (SELECT occurred_at FROM events e WHERE e.job_id = w.job_id ORDER BY e.sequence DESC LIMIT 1),
            (SELECT type FROM events e WHERE e.job_id = w.job_id ORDER BY e.sequence DESC LIMIT 1), w.query
        FROM watches w LEFT JOIN jobs j ON j.job_id = w.job_id
        """

    static func watch(_ jobId: String, _ db: Database) throws -> WatchRecord? {
        // Cached: compiling the statement (and GRDB's look at what it reads) was most of a registration.
        try Row.fetchOne(db.cachedStatement(sql: "\(watchSelect) WHERE w.job_id = ?"), arguments: [jobId]).map(watchRecord)
    }

    static func watchRecord(_ row: Row) -> WatchRecord {
        func date(_ index: Int) -> Date? { (row[index] as Double?).map(Date.init(timeIntervalSince1970:)) }
        let decoder = JSONDecoder()
        let labels = (row[3] as String?).flatMap { try? decoder.decode([String: String].self, from: Data($0.utf8)) } ?? [:]
        let state = (row[10] as String?).flatMap { try? decoder.decode(WatchState.self, from: Data($0.utf8)) }
        return WatchRecord(
            jobId: row[1], active: row[2], labels: labels, createdAt: date(4) ?? Date(timeIntervalSince1970: 0), cursor: row[0],
            stoppedAt: date(5), finishedAt: date(6), error: row[7], maxCredits: row[8], guardAction: row[9], state: state,
            lastEventAt: date(11), lastEventType: row[12], query: row[13])
    }
}
