import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

extension PostgresStore: Outbox {
    /// Every replica claims from the same outbox: channels' limits and pauses are kept here.
    public var sharesChannelLimits: Bool { true }

    public func exchange(
        records: [AttemptRecord], claims: [(channel: String, limit: Int)],
        deadLetter: [(channel: String, reason: String)], renew: [String], now: Date,
        lease: ClaimLease, batch: String?, limits: [String: ChannelLimits], ordered: Set<String>
    ) async throws(StoreError) -> OutboxExchange {
        if records.isEmpty && claims.isEmpty && deadLetter.isEmpty && renew.isEmpty { return OutboxExchange(claimed: [:], nextDue: nil) }
        // On the database's clock, like every time this store keeps.
        let t = databaseTime(now)
        let skew = t - now.timeIntervalSince1970
        let claims = claims.filter { $0.limit > 0 }.map { ($0.channel, $0.limit) }
        // Within the claims' lease: past it, what it claims would have run out.
        return try await transaction(within: Self.turnWithin(lease.duration)) { db in
            if try await Self.record(records, owner: lease.owner, skew: skew, db) { try await Self.notify(.outbox, db) }
            if !renew.isEmpty {
                try await db.rows(
                    "UPDATE deliveries SET claim_until = \(t + lease.duration) WHERE id = ANY(\(renew)) AND claim_owner = \(lease.owner)")
            }
            var deadLettered = 0
            for (channel, reason) in deadLetter { deadLettered += try await Self.deadLetter(channel: channel, reason: reason, now: t, db) }
            var claimed: [String: [StoredDelivery]] = [:]
            var earliest: Double?
            for (channel, wanted) in claims {
                let isOrdered = ordered.contains(channel)
                // Across every replica: the channel's free slots and tokens, unless it is paused.
                var gate = ChannelGate.open
                if let channelLimits = limits[channel] { gate = try await Self.gate(channel, channelLimits, now: t, db) }
                let limit = min(wanted, gate.room)
                var got: [StoredDelivery] = []
                if limit > 0 {
                    // Due rows of the channel, oldest first, claimed in one statement; rows another
                    // transaction holds are skipped. (RETURNING keeps no order: sorted here.) For an
                    // ordered channel, each job's first pending one only: a later one waits while
                    // an earlier one is pending, claimed or not, on any replica.
                    let rows = try await db.rows(
                        """
                        WITH due AS (
                            SELECT id AS due_id FROM deliveries d
                            WHERE status = 'pending' AND channel = \(channel) AND next_at <= \(t)
                                AND (claim_owner IS NULL OR claim_until <= \(t)) AND (\(batch)::text IS NULL OR batch = \(batch))
                                AND (NOT \(isOrdered) OR NOT \(unescaped: Self.earlierPending))
                            ORDER BY next_at, created_at, seq LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                        UPDATE deliveries SET claim_owner = \(lease.owner), claim_until = \(t + lease.duration)
                        FROM due WHERE id = due.due_id
                        RETURNING \(unescaped: Self.columns)
                        """
                    ).map(Self.read).sorted { $0.order < $1.order }
                    for read in rows {
                        guard let d = read.delivery else {
                            try await Self.deadLetterUnreadable(read, db)
                            deadLettered += 1
                            continue
                        }
                        got.append(d)
                    }
                }
                try await Self.spend(channel, gate, got.count, now: t, db)
                claimed[channel] = got
                // A channel that waits only for a slot is woken when an attempt frees one; one
                // that is paused or out of tokens, when that ends.
                let openAt = gate.openAt(now: t, spent: got.count)
                if got.count < limit || openAt != nil,
                    let next = try await Self.nextUnclaimed(channel: channel, now: t, batch: batch, ordered: isOrdered, db)
                {
                    let open = max(next, openAt ?? next)
                    earliest = min(earliest ?? open, open)
                }
            }
            // Back on this machine's clock, which the dispatcher waits on.
            return OutboxExchange(
                claimed: claimed, nextDue: earliest.map { Date(timeIntervalSince1970: $0 - skew) }, deadLettered: deadLettered)
        }
    }

    private static func deadLetterUnreadable(_ row: Row, _ db: Statements) async throws {
        let reason = EventType(rawValue: row.eventType) == nil ? "unknown event type '\(row.eventType)'" : "unknown status '\(row.status)'"
        let note = "this version of tamwatch cannot read the delivery (\(reason)); dead-lettered"
        try await db.rows(
            """
            UPDATE deliveries SET status = 'dead', claim_owner = NULL, claim_until = NULL,
                last_error = COALESCE(last_error || '; ', '') || \(note) WHERE id = \(row.id)
            """)
    }

    /// A delivery `d` queued after another of its job and channel that is still pending.
    static let earlierPending = """
        EXISTS (SELECT 1 FROM deliveries e
            WHERE e.job_id = d.job_id AND e.channel = d.channel AND e.status = 'pending' AND e.seq < d.seq)
        """

    private static func nextUnclaimed(channel: String, now: Double, batch: String?, ordered: Bool, _ db: Statements) async throws
        -> Double?
    {
        let rows = try await db.rows(
            """
            SELECT MIN(next_at) FROM deliveries d
            WHERE status = 'pending' AND channel = \(channel) AND (claim_owner IS NULL OR claim_until <= \(now))
                AND (\(batch)::text IS NULL OR batch = \(batch)) AND (NOT \(ordered) OR NOT \(unescaped: Self.earlierPending))
            """)
        return try rows.first?.decode(Double?.self) ?? nil
    }

    public func record(_ attempts: [AttemptRecord], owner: String) async throws(StoreError) {
        guard !attempts.isEmpty else { return }
        let skew = self.skew.withLock { $0 }
        try await transaction { db in
            if try await Self.record(attempts, owner: owner, skew: skew, db) { try await Self.notify(.outbox, db) }
        }
    }

    /// Records attempts (their times moved onto the database's clock by `skew`) in two
    /// statements however many there are; true when one was recorded, which frees a slot of its
    /// channel for every replica. (Absent values travel as -1 or '' in the arrays.)
    private static func record(_ attempts: [AttemptRecord], owner: String, skew: Double, _ db: Statements) async throws -> Bool {
        guard !attempts.isEmpty else { return false }
        var (ids, statuses, failures, nextAts, ats, codes, errors, durations, excerpts) =
            ([String](), [String](), [Int](), [Double](), [Double](), [Int](), [String](), [Int](), [String]())
        for a in attempts {
            ids.append(a.id)
            failures.append(a.failures)
            ats.append(a.at.timeIntervalSince1970 + skew)
            codes.append(a.httpStatus ?? -1)
            errors.append(a.error ?? "")
            durations.append(a.durationMs ?? -1)
            excerpts.append(a.responseExcerpt ?? "")
            switch a.result {
            case .sent:
                statuses.append("sent")
                nextAts.append(-1)
            case .retry(let due):
                statuses.append("pending")
                nextAts.append(due.timeIntervalSince1970 + skew)
            case .dead:
                statuses.append("dead")
                nextAts.append(-1)
            }
        }
        // Only the claim's owner records: an attempt whose claim was taken over is dropped.
        let updated = try await db.rows(
            """
            UPDATE deliveries d SET status = a.status, attempts = d.attempts + 1, failures = a.failures,
                next_at = COALESCE(NULLIF(a.next_at, -1), d.next_at), claim_owner = NULL, claim_until = NULL, last_attempt_at = a.at,
                sent_at = CASE WHEN a.status = 'sent' THEN a.at ELSE d.sent_at END, last_status = NULLIF(a.code, -1),
                last_error = NULLIF(a.error, '')
            FROM unnest(\(ids)::text[], \(statuses)::text[], \(failures)::int8[], \(nextAts)::float8[], \(ats)::float8[],
                \(codes)::int8[], \(errors)::text[]) AS a(id, status, failures, next_at, at, code, error)
            WHERE d.id = a.id AND d.claim_owner = \(owner)
            RETURNING d.id, d.channel
            """
        ).map { try $0.decode((String, String).self) }
        guard !updated.isEmpty else { return false }
        let recorded = Set(updated.map(\.0))
        try await db.rows(
            """
            INSERT INTO attempts (delivery_id, at, status_code, duration_ms, error, response_excerpt)
            SELECT a.id, a.at, NULLIF(a.code, -1), NULLIF(a.ms, -1), NULLIF(a.error, ''), NULLIF(a.excerpt, '')
            FROM unnest(\(ids)::text[], \(ats)::float8[], \(codes)::int8[], \(durations)::int8[], \(errors)::text[],
                \(excerpts)::text[]) WITH ORDINALITY AS a(id, at, code, ms, error, excerpt, n)
            WHERE a.id = ANY(\(Array(recorded))) ORDER BY a.n
            """)
        let channels = Dictionary(updated, uniquingKeysWith: { first, _ in first })
        for a in attempts where recorded.contains(a.id) {
            if let pause = a.pause, let channel = channels[a.id] {
                try await Self.pause(channel, until: a.at.timeIntervalSince1970 + skew + pause, db)
            }
        }
        return true
    }

    public func releaseAllClaims() async throws(StoreError) -> Int {
        try await transaction { db in
            try await db.rows(
                "UPDATE deliveries SET claim_owner = NULL, claim_until = NULL WHERE claim_owner IS NOT NULL RETURNING id"
            ).count
        }
    }

    public func releaseClaims(ids: [String], owner: String) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        try await transaction { db in
            try await db.rows(
                "UPDATE deliveries SET claim_owner = NULL, claim_until = NULL WHERE id = ANY(\(ids)) AND claim_owner = \(owner)")
        }
    }

    public func disabledChannels() async throws(StoreError) -> [String: DisabledChannel] {
        try await transaction { db in
            var out: [String: DisabledChannel] = [:]
            for row in try await db.rows("SELECT channel, fingerprint, reason, disabled_at FROM channel_state") {
                let (channel, fingerprint, reason, at) = try row.decode((String, String, String, Double).self)
                out[channel] = DisabledChannel(
                    channel: channel, fingerprint: fingerprint, reason: reason, since: Date(timeIntervalSince1970: at))
            }
            return out
        }
    }

    public func disable(_ channel: DisabledChannel) async throws(StoreError) -> Int {
        let at = databaseTime(channel.since)
        return try await transaction { db in
            try await db.rows(
                """
                INSERT INTO channel_state (channel, fingerprint, disabled_at, reason)
                VALUES (\(channel.channel), \(channel.fingerprint), \(at), \(channel.reason))
                ON CONFLICT (channel) DO UPDATE SET fingerprint = excluded.fingerprint, disabled_at = excluded.disabled_at,
                    reason = excluded.reason
                """)
            return try await Self.deadLetter(channel: channel.channel, reason: "channel disabled: \(channel.reason)", now: at, db)
        }
    }

    private static func deadLetter(channel: String, reason: String, now: Double, _ db: Statements) async throws -> Int {
        try await db.rows(
            """
            UPDATE deliveries SET status = 'dead', last_error = COALESCE(last_error || '; ', '') || \(reason)
            WHERE channel = \(channel) AND status = 'pending' AND (claim_owner IS NULL OR claim_until <= \(now)) RETURNING id
            """
        ).count
    }

    public func enable(channels: [String]) async throws(StoreError) {
        guard !channels.isEmpty else { return }
        try await transaction { db in try await db.rows("DELETE FROM channel_state WHERE channel = ANY(\(channels))") }
    }
}
