import Foundation
import GRDB
import TamwatchModel
import TamwatchStore

/// The SQLite state file (WAL): per job the last snapshot and counters, and every event.
///
/// A snapshot and the events it produced are committed in one transaction before anything is
/// printed or sent; an event is marked emitted only after it was written out, so a crash at any
/// point loses nothing and a restart re-emits only what may not have reached stdout.
public final class SQLiteStore: EventLog, Outbox, Sendable {
    public let path: String
    let pool: DatabasePool

    /// The tables a tamwatch state file may hold (its own, GRDB's, SQLite's).
    static let knownTables: Set<String> = [
        "jobs", "events", "deliveries", "channel_state", "pruned", "grdb_migrations", "sqlite_sequence", "watches", "attempts",
        "sqlite_stat1",
    ]

    /// Opens (creating it if missing) and upgrades the state file. `readOnly` opens an existing
    /// file for listing while another process writes to it: nothing is created or changed.
    public init(path: String, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.readonly = readOnly
        if !readOnly {
            config.prepareDatabase { db in
                // WAL + NORMAL survives a killed process; only a power loss can drop the last commits.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        do {
            try Self.checkIsTamwatch(path)
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if !readOnly, !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
                try PrivateFile.makeFolder(folder)
            }
            pool = try DatabasePool(path: path, configuration: config)
            if readOnly {
                guard try pool.read({ try Self.migrator.hasCompletedMigrations($0) }) else {
                    throw StoreError(
                        path: path, message: "it was written by an older tamwatch; run tamwatch watch or replay on it once to upgrade it",
                        kind: .outdated)
                }
            } else {
                try Self.migrator.migrate(pool)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(path, error)
        }
    }

    /// Refuses, before anything is created or changed, a file that is not SQLite or holds
    /// tables that are not tamwatch's: a mistyped `--state` must not turn another program's
    /// database into a state file.
    private static func checkIsTamwatch(_ path: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int, size > 0
        else { return }
        var config = Configuration()
        config.readonly = true
        let tables: [String]
        let unknown: [String]
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            (tables, unknown) = try queue.read { db in
                (
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"),
                    try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
                )
            }
            try queue.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError(
                path: path, message: "it is not an SQLite database; is --state (or state.path) the right file?", kind: .notTamwatch)
        }
        // A newer tamwatch's state (a rollback, or two versions on one file): refused before
        // anything is written, never half-understood.
        if !unknown.isEmpty {
            throw StoreError(
                path: path,
                message: "it was written by a newer tamwatch (its schema has \(unknown.joined(separator: ", ")), which tamwatch "
                    + "\(TamwatchVersion.current) does not know); run that version or a newer one, or restore a backup from before it",
                kind: .newer)
        }
        let foreign = tables.filter { !knownTables.contains($0) }.sorted()
        if !foreign.isEmpty {
            let shown = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", …" : "")
            throw StoreError(
                path: path,
                message: "it is an SQLite database with tables that are not tamwatch's (\(shown)); "
                    + "is --state (or state.path) the right file?", kind: .notTamwatch)
        }
    }

    /// Every schema change, in order. Never edit a shipped migration; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-jobs-and-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE jobs (
                        job_id TEXT PRIMARY KEY NOT NULL,
                        state TEXT NOT NULL,
                        labels TEXT NOT NULL DEFAULT '{}',
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE events (
                        id TEXT PRIMARY KEY NOT NULL,
                        job_id TEXT NOT NULL,
                        sequence INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        occurred_at REAL NOT NULL,
                        body TEXT NOT NULL,
                        emitted INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX events_by_job ON events(job_id, sequence);
                    CREATE INDEX events_not_emitted ON events(job_id) WHERE emitted = 0;
                    """)
        }
        migrator.registerMigration("v2-outbox") { db in
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN throttle TEXT NOT NULL DEFAULT '{}';
                    CREATE TABLE deliveries (
                        id TEXT PRIMARY KEY NOT NULL,
                        event_id TEXT NOT NULL,
                        job_id TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        content_type TEXT NOT NULL,
                        body TEXT NOT NULL,
                        message_extra TEXT,
                        folded INTEGER NOT NULL DEFAULT 0,
                        render_error TEXT,
                        status TEXT NOT NULL DEFAULT 'pending',
                        attempts INTEGER NOT NULL DEFAULT 0,
                        failures INTEGER NOT NULL DEFAULT 0,
                        next_at REAL NOT NULL,
                        claimed_by INTEGER,
                        created_at REAL NOT NULL,
                        last_attempt_at REAL,
                        sent_at REAL,
                        last_status INTEGER,
                        last_error TEXT
                    );
                    CREATE INDEX deliveries_due ON deliveries(channel, next_at, created_at) WHERE status = 'pending';
                    CREATE INDEX deliveries_by_job ON deliveries(job_id, created_at);
                    CREATE TABLE channel_state (
                        channel TEXT PRIMARY KEY NOT NULL,
                        fingerprint TEXT NOT NULL,
                        disabled_at REAL NOT NULL,
                        reason TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3-claim-leases") { db in
            // Claims become leases (an owner id and an expiry) instead of process ids.
            try db.execute(
                sql: """
                    ALTER TABLE deliveries ADD COLUMN claim_owner TEXT;
                    ALTER TABLE deliveries ADD COLUMN claim_until REAL;
                    UPDATE deliveries SET claimed_by = NULL;
                    """)
        }
        migrator.registerMigration("v4-replay-batches") { db in
            // A replay marks what it queues, so that it sends, waits for and reports exactly those.
            try db.execute(
                sql: """
                    ALTER TABLE deliveries ADD COLUMN batch TEXT;
                    CREATE INDEX deliveries_by_batch ON deliveries(batch, status) WHERE batch IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5-retention") { db in
            // When a job finished (its events may be pruned after the retention), what settled
            // deliveries are found by for pruning, and how much was pruned so far.
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN finished_at REAL;
                    UPDATE jobs SET finished_at = updated_at WHERE json_extract(state, '$.terminal_announced') = 1;
                    CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
                    CREATE INDEX deliveries_settled ON deliveries(status, COALESCE(last_attempt_at, created_at))
                        WHERE status IN ('sent', 'dead');
                    CREATE TABLE pruned (kind TEXT PRIMARY KEY NOT NULL, count INTEGER NOT NULL, last_at REAL);
                    """)
        }
        migrator.registerMigration("v6-serve") { db in
            // The event feed: events get a cursor that only grows (AUTOINCREMENT: a pruned
            // newest row is never reused, so a resumed stream cannot skip one). Watches that
            // `serve` follows, and every delivery attempt for the delivery log.
            try db.execute(
                sql: """
                    CREATE TABLE events_v6 (
                        cursor INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        job_id TEXT NOT NULL,
                        sequence INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        occurred_at REAL NOT NULL,
                        body TEXT NOT NULL,
                        emitted INTEGER NOT NULL DEFAULT 0
                    );
                    INSERT INTO events_v6 (cursor, id, job_id, sequence, type, occurred_at, body, emitted)
                        SELECT rowid, id, job_id, sequence, type, occurred_at, body, emitted FROM events ORDER BY rowid;
                    DROP TABLE events;
                    ALTER TABLE events_v6 RENAME TO events;
                    CREATE INDEX events_by_job ON events(job_id, sequence);
                    CREATE INDEX events_not_emitted ON events(job_id) WHERE emitted = 0;
                    CREATE TABLE watches (
                        cursor INTEGER PRIMARY KEY AUTOINCREMENT,
                        job_id TEXT NOT NULL UNIQUE,
                        active INTEGER NOT NULL DEFAULT 1,
                        labels TEXT NOT NULL DEFAULT '{}',
                        created_at REAL NOT NULL,
                        stopped_at REAL,
                        finished_at REAL,
                        error TEXT,
                        max_credits INTEGER,
                        guard_action TEXT
                    );
                    CREATE INDEX watches_active ON watches(active, cursor);
                    CREATE TABLE attempts (
                        delivery_id TEXT NOT NULL,
                        at REAL NOT NULL,
                        status_code INTEGER,
                        duration_ms INTEGER,
                        error TEXT,
                        response_excerpt TEXT
                    );
                    CREATE INDEX attempts_by_delivery ON attempts(delivery_id, at);
                    """)
        }
        migrator.registerMigration("v7-watch-query") { db in
            // The query of a build submitted through the API, for whichever run polls it.
            try db.execute(sql: "ALTER TABLE watches ADD COLUMN query TEXT")
        }
        return migrator
    }

    public func job(_ jobId: String) async throws(StoreError) -> StoredJob? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT state, labels, throttle FROM jobs WHERE job_id = ?"), arguments: [jobId])
            else {
                return nil
            }
            var job = Self.storedJob(jobId: jobId, state: row["state"], labels: row["labels"])
            if let text: String = row["throttle"], let json = try? JSONValue.parse(text) { job?.throttle = ThrottleState(json: json) }
            return job
        }
    }

    /// Stores the new state, the events and the deliveries they caused (the outbox) in one
    /// transaction. Returns the events that were new (an id already stored is never stored, or
    /// announced, twice); a delivery is queued only with its event's first storing. `flushed`
    /// deliveries (held-back events a throttle releases) are queued whatever the events.
    public func commit(
        jobId: String, state: WatchState, labels: [String: String], events: [Event],
        deliveries: [Delivery] = [], flushed: [Delivery] = [], throttle: ThrottleState? = nil,
        at now: Date
    ) async throws(StoreError) -> [Event] {
        let stateText = Self.text(state)
        let labelsText = Self.labelsJSON(labels)
        let throttleText = throttle?.json.serialized()
        let finishedAt: Double? = state.terminalAnnounced ? now.timeIntervalSince1970 : nil
        let rows = events.map { ($0, $0.json.serialized()) }
        return try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO jobs (job_id, state, labels, updated_at, throttle, finished_at) VALUES (?, ?, ?, ?, COALESCE(?, '{}'), ?)
                    ON CONFLICT(job_id) DO UPDATE SET state = excluded.state, labels = excluded.labels,
                        updated_at = excluded.updated_at, throttle = COALESCE(?, jobs.throttle),
                        finished_at = CASE WHEN excluded.finished_at IS NULL THEN NULL ELSE COALESCE(jobs.finished_at, excluded.finished_at) END
                    """
            ).execute(arguments: [jobId, stateText, labelsText, now.timeIntervalSince1970, throttleText, finishedAt, throttleText])
            var inserted: [Event] = []
            var newIDs = Set<String>()
            for (event, body) in rows {
                try db.cachedStatement(
                    sql: """
                        INSERT OR IGNORE INTO events (id, job_id, sequence, type, occurred_at, body) VALUES (?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    event.id, event.jobId, event.sequence, event.type.rawValue,
                    event.occurredAt.timeIntervalSince1970, body,
                ])
                if db.changesCount > 0 {
                    inserted.append(event)
                    newIDs.insert(event.id)
                }
            }
            // What a throttle held (older events) is queued before this commit's own: an ordered
            // channel sends in queue order, and a final event's flush must not overtake it.
            for d in flushed { try Self.insert(d, at: now, db) }
            for d in deliveries where newIDs.contains(d.eventId) {
                try Self.insert(d, at: now, db)
            }
            return inserted
        }
    }

    public func markEmitted(_ ids: [String]) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        try await write { db in
            for id in ids { try db.execute(sql: "UPDATE events SET emitted = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Every stored event of a job, by sequence.
    public func events(jobId: String, onlyPending: Bool = false) async throws(StoreError) -> [Event] {
        let sql = "SELECT body FROM events WHERE job_id = ?" + (onlyPending ? " AND emitted = 0" : "") + " ORDER BY sequence"
        return try await read { db in
            try String.fetchAll(db.cachedStatement(sql: sql), arguments: [jobId])
                .compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:))
        }
    }

    // MARK: - Plumbing

    /// Reads and writes run on the calling thread, through GRDB's synchronous API: a
    /// transaction is tens of microseconds of SQLite, cheaper than the two thread hops an
    /// asynchronous call costs. A write cannot be cancelled, so a Ctrl-C arriving mid-commit
    /// cannot cut a snapshot off from its events: the commit finishes, then the watch stops.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try Self.now(pool, reading: body) } catch { throw Self.storeError(path, error) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try Self.now(pool, writing: body) } catch { throw Self.storeError(path, error) }
    }

    /// GRDB's synchronous calls (a synchronous context picks them over the asynchronous ones).
    private static func now<T>(_ pool: DatabasePool, reading body: (Database) throws -> T) throws -> T { try pool.read(body) }
    private static func now<T>(_ pool: DatabasePool, writing body: (Database) throws -> T) throws -> T { try pool.write(body) }

    /// What went wrong, said for a person; corruption is named as such.
    static func storeError(_ path: String, _ error: any Error) -> StoreError {
        if let db = error as? DatabaseError {
            let message = db.message ?? "\(db.resultCode)"
            switch db.resultCode {
            case .SQLITE_CORRUPT: return StoreError(path: path, message: "SQLite: \(message)", kind: .corrupt)
            case .SQLITE_NOTADB: return StoreError(path: path, message: "it is not an SQLite database", kind: .notTamwatch)
            default: return StoreError(path: path, message: message)
            }
        }
        if error is CancellationError { return StoreError(path: path, message: "interrupted") }
        return StoreError(path: path, message: "\(error)")
    }

    /// The state and labels columns: JSON text written and read with Codable.
    static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A state holds numbers, strings and booleans only: encoding cannot fail.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func labelsJSON(_ labels: [String: String]) -> String { text(labels) }

    private static func storedJob(jobId: String, state: String, labels: String) -> StoredJob? {
        let decoder = JSONDecoder()
        guard let watchState = try? decoder.decode(WatchState.self, from: Data(state.utf8)) else { return nil }
        let labels = (try? decoder.decode([String: String].self, from: Data(labels.utf8))) ?? [:]
        return StoredJob(jobId: jobId, state: watchState, labels: labels)
    }
}
