import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

extension PostgresStore: EventLog {
    public func job(_ jobId: String) async throws(StoreError) -> StoredJob? {
        try await transaction { db in
            guard
                let row = try await db.rows("SELECT state, labels, throttle FROM jobs WHERE job_id = \(jobId)").first
            else { return nil }
            let (state, labels, throttle) = try row.decode((String, String, String).self)
            guard let watchState = Self.decode(WatchState.self, state) else { return nil }
            var job = StoredJob(jobId: jobId, state: watchState, labels: Self.decode([String: String].self, labels) ?? [:])
            if let json = try? JSONValue.parse(throttle) { job.throttle = ThrottleState(json: json) }
            return job
        }
    }

    public func commit(
        jobId: String, state: WatchState, labels: [String: String], events: [Event],
        deliveries: [Delivery], flushed: [Delivery], throttle: ThrottleState?, at now: Date
    ) async throws(StoreError) -> [Event] {
        let stateText = Self.text(state)
        let labelsText = Self.text(labels)
        let throttleText = throttle?.json.serialized()
        let t = now.timeIntervalSince1970
        // Due at once, on the database's clock (which every replica's claims use).
        let due = databaseTime(now)
        let finishedAt: Double? = state.terminalAnnounced ? t : nil
        let rows = events.map { ($0, $0.json.serialized()) }
        let (shared, held) = fence.withLock { ($0.shared, $0.held[jobId]) }
        let where_ = location.description
        if shared, held == nil, !jobId.isEmpty {
            throw StoreError(path: where_, message: "job \(jobId): this replica does not hold its watch", kind: .fenced)
        }
        return try await transaction { db in
            if let held {
                // Fenced: only the epoch this replica holds may store anything for the job. The row
                // lock makes a takeover and this commit wait for each other.
                let still = try await db.rows(
                    """
                    SELECT 1 FROM watches WHERE job_id = \(jobId) AND owner = \(held.owner) AND lease_epoch = \(held.epoch) FOR UPDATE
                    """)
                guard !still.isEmpty else {
                    throw StoreError(
                        path: where_,
                        message: "job \(jobId): another replica holds its watch now (this one's lease, epoch \(held.epoch), ran out)",
                        kind: .fenced)
                }
            }
            try await db.rows(
                """
                INSERT INTO jobs (job_id, state, labels, updated_at, throttle, finished_at)
                VALUES (\(jobId), \(stateText), \(labelsText), \(t), COALESCE(\(throttleText), '{}'), \(finishedAt))
                ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, labels = excluded.labels,
                    updated_at = excluded.updated_at, throttle = COALESCE(\(throttleText), jobs.throttle),
                    finished_at = CASE WHEN excluded.finished_at IS NULL THEN NULL ELSE COALESCE(jobs.finished_at, excluded.finished_at) END
                """)
            // In one statement, in the order given: the feed's cursor follows it. The lock (held
            // to the commit) is taken as late as can be: commits that add events queue for it.
            var newIDs = Set<String>()
            if !rows.isEmpty {
                try await db.rows("SELECT pg_advisory_xact_lock(\(PostgresSchema.feedLock))")
                let e = rows.map(\.0)
                newIDs = Set(
                    try await db.rows(
                        """
                        INSERT INTO events (id, job_id, sequence, type, occurred_at, body)
                        SELECT e.id, e.job_id, e.sequence, e.type, e.at, e.body
                        FROM unnest(\(e.map(\.id))::text[], \(e.map(\.jobId))::text[], \(e.map(\.sequence))::int8[],
                            \(e.map(\.type.rawValue))::text[], \(e.map(\.occurredAt.timeIntervalSince1970))::float8[],
                            \(rows.map(\.1))::text[]) WITH ORDINALITY AS e(id, job_id, sequence, type, at, body, n)
                        ORDER BY e.n
                        ON CONFLICT (id) DO NOTHING RETURNING id
                        """
                    ).map { try $0.decode(String.self) })
            }
            let inserted = events.filter { newIDs.contains($0.id) }
            // What a throttle held (older events) first: queue order is the order an ordered channel sends in.
            let queued = try await Self.insert(flushed + deliveries.filter { newIDs.contains($0.eventId) }, at: due, db)
            // Every replica hears of it: the feed's tails, and dispatchers with free slots.
            try await Self.notify((inserted.isEmpty ? [] : [.feed]) + (queued ? [.outbox] : []), db)
            return inserted
        }
    }

    public func events(jobId: String, onlyPending: Bool) async throws(StoreError) -> [Event] {
        try await transaction { db in
            let rows =
                onlyPending
                ? try await db.rows("SELECT body FROM events WHERE job_id = \(jobId) AND NOT emitted ORDER BY sequence")
                : try await db.rows("SELECT body FROM events WHERE job_id = \(jobId) ORDER BY sequence")
            return try rows.compactMap { row in Self.event(try row.decode(String.self)) }
        }
    }

    public func markEmitted(_ ids: [String]) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        try await transaction { db in try await db.rows("UPDATE events SET emitted = TRUE WHERE id = ANY(\(ids))") }
    }

    static func event(_ body: String) -> Event? {
        (try? JSONValue.parse(body)).flatMap(Event.init(json:))
    }
}
