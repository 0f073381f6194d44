import Foundation
import GRDB
import TamwatchModel
import TamwatchStore

extension SQLiteStore {
    static func insert(_ d: Delivery, at now: Date, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO deliveries (id, event_id, job_id, event_type, channel, rule, content_type, body, message_extra,
                    folded, render_error, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            d.id, d.eventId, d.jobId, d.eventType.rawValue, d.channel, d.rule, d.message.contentType,
            d.message.body, d.message.extraJSON?.serialized(), d.folded, d.renderError,
            now.timeIntervalSince1970, d.createdAt.timeIntervalSince1970,
        ])
    }

    /// Read by position (see `stored`): a name lookup per column was a tenth of the dispatcher's time.
    static let columns = """
        id, event_id, job_id, event_type, channel, rule, content_type, body, message_extra, folded, render_error, status,
        attempts, failures, next_at, created_at, last_attempt_at, sent_at, last_status, last_error
        """

    static func stored(_ row: Row) -> StoredDelivery? {
        guard let type = EventType(rawValue: row[3]), let status = StoredDelivery.Status(rawValue: row[11]) else { return nil }
        var message = RenderedMessage(body: row[7], contentType: row[6])
        if let extra: String = row[8], let json = try? JSONValue.parse(extra) { message.apply(extraJSON: json) }
        func date(_ index: Int) -> Date? { (row[index] as Double?).map(Date.init(timeIntervalSince1970:)) }
        let delivery = Delivery(
            id: row[0], eventId: row[1], jobId: row[2], eventType: type, channel: row[4], rule: row[5],
            message: message, folded: row[9], createdAt: date(15) ?? Date(timeIntervalSince1970: 0),
            renderError: row[10])
        return StoredDelivery(
            delivery: delivery, status: status, attempts: row[12], failures: row[13],
            nextAt: date(14) ?? Date(timeIntervalSince1970: 0), lastAttemptAt: date(16),
            sentAt: date(17), lastStatus: row[18], lastError: row[19])
    }

    /// The dispatcher's turn in one transaction: records finished attempts, dead-letters what
    /// disabled channels still have queued, then claims up to each channel's limit of due
    /// deliveries under `lease`, oldest first (with `batch`, among that replay's alone). A claim keeps
    /// other processes on the same state file from sending the same delivery at once; `renew`
    /// extends the claims on those still being sent. A row this version cannot read is
    /// dead-lettered with the reason, never left to fall due forever. `limits` are the
    /// dispatcher's to apply: one process writes the file.
    public func exchange(
        records: [AttemptRecord], claims: [(channel: String, limit: Int)],
        deadLetter: [(channel: String, reason: String)] = [], renew: [String] = [], now: Date,
        lease: ClaimLease, batch: String? = nil, limits: [String: ChannelLimits] = [:], ordered: Set<String> = []
    ) async throws(StoreError) -> OutboxExchange {
        if records.isEmpty && claims.isEmpty && deadLetter.isEmpty && renew.isEmpty { return OutboxExchange(claimed: [:], nextDue: nil) }
        let t = now.timeIntervalSince1970
        return try await write { db in
            try Self.record(records, owner: lease.owner, db)
            try Self.renew(renew, lease: lease, now: t, db)
            var deadLettered = 0
            for (channel, reason) in deadLetter { deadLettered += try Self.deadLetter(channel: channel, reason: reason, now: t, db) }
            var claimed: [String: [StoredDelivery]] = [:]
            var earliest: Double?
            for claim in claims where claim.limit > 0 {
                // The due rows of the channel, in index order (with a batch: those of the batch);
                // for an ordered channel, each job's first pending one only.
                let isOrdered = ordered.contains(claim.channel)
                let rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT \(Self.columns) FROM deliveries d
                            WHERE status = 'pending' AND channel = ? AND next_at <= ? AND (claim_owner IS NULL OR claim_until <= ?)
                                AND (? IS NULL OR batch = ?) AND (NOT ? OR NOT \(Self.earlierPending))
                            ORDER BY next_at, created_at, rowid LIMIT ?
                            """), arguments: [claim.channel, t, t, batch, batch, isOrdered, claim.limit])
                var got: [StoredDelivery] = []
                for row in rows {
                    guard let d = Self.stored(row) else {
                        try Self.deadLetterUnreadable(row, db)
                        deadLettered += 1
                        continue
                    }
                    try db.cachedStatement(sql: "UPDATE deliveries SET claim_owner = ?, claim_until = ? WHERE id = ?")
                        .execute(arguments: [lease.owner, t + lease.duration, d.id])
                    got.append(d)
                }
                claimed[claim.channel] = got
                if got.count < claim.limit,
                    let next = try Self.nextUnclaimed(channel: claim.channel, now: t, batch: batch, ordered: isOrdered, db)
                {
                    earliest = min(earliest ?? next, next)
                }
            }
            return OutboxExchange(claimed: claimed, nextDue: earliest.map(Date.init(timeIntervalSince1970:)), deadLettered: deadLettered)
        }
    }

    /// A row whose event type or status this version does not know (a newer tamwatch wrote it, or
    /// it was edited by hand): dead, with the reason, so it stops falling due.
    private static func deadLetterUnreadable(_ row: Row, _ db: Database) throws {
        let id: String = row[0]
        let type: String = row[3] ?? "?"
        let reason = EventType(rawValue: type) == nil ? "unknown event type '\(type)'" : "unknown status '\(row[11] as String? ?? "?")'"
        try db.execute(
            sql: """
                UPDATE deliveries SET status = 'dead', claim_owner = NULL, claim_until = NULL,
                    last_error = COALESCE(last_error || '; ', '') || ? WHERE id = ?
                """, arguments: ["this version of tamwatch cannot read the delivery (\(reason)); dead-lettered", id])
    }

    /// A delivery `d` queued after another of its job and channel that is still pending.
    static let earlierPending = """
        EXISTS (SELECT 1 FROM deliveries e
            WHERE e.job_id = d.job_id AND e.channel = d.channel AND e.status = 'pending' AND e.rowid < d.rowid)
        """

    /// When the first claimable delivery of the channel (of the batch, when given) falls due.
    private static func nextUnclaimed(channel: String, now: Double, batch: String?, ordered: Bool, _ db: Database) throws -> Double? {
        guard let batch else {
            // In index order, so the scan stops at the first claimable row.
            return try Double.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT next_at FROM deliveries d
                        WHERE status = 'pending' AND channel = ? AND (claim_owner IS NULL OR claim_until <= ?)
                            AND (NOT ? OR NOT \(earlierPending))
                        ORDER BY next_at LIMIT 1
                        """), arguments: [channel, now, ordered])
        }
        return try Double.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT MIN(next_at) FROM deliveries d
                    WHERE batch = ? AND status = 'pending' AND channel = ? AND (claim_owner IS NULL OR claim_until <= ?)
                        AND (NOT ? OR NOT \(earlierPending))
                    """), arguments: [batch, channel, now, ordered])
    }

    /// Extends this owner's claims on deliveries still being sent.
    private static func renew(_ ids: [String], lease: ClaimLease, now: Double, _ db: Database) throws {
        for id in ids {
            try db.cachedStatement(sql: "UPDATE deliveries SET claim_until = ? WHERE id = ? AND claim_owner = ?")
                .execute(arguments: [now + lease.duration, id, lease.owner])
        }
    }

    /// Records attempts made under `owner`'s claims (one transaction for a batch) and drops the
    /// claims. An attempt whose claim another process has since taken over is not recorded: that
    /// process finishes the delivery.
    public func record(_ attempts: [AttemptRecord], owner: String) async throws(StoreError) {
        guard !attempts.isEmpty else { return }
        try await write { db in try Self.record(attempts, owner: owner, db) }
    }

    private static func record(_ attempts: [AttemptRecord], owner: String, _ db: Database) throws {
        for a in attempts {
            let status: String
            var nextAt: Double? = nil
            var sentAt: Double? = nil
            switch a.result {
            case .sent: status = "sent"; sentAt = a.at.timeIntervalSince1970
            case .retry(let at): status = "pending"; nextAt = at.timeIntervalSince1970
            case .dead: status = "dead"
            }
            try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET status = ?, attempts = attempts + 1, failures = ?, next_at = COALESCE(?, next_at),
                        claim_owner = NULL, claim_until = NULL, last_attempt_at = ?, sent_at = COALESCE(?, sent_at), last_status = ?,
                        last_error = ?
                    WHERE id = ? AND claim_owner = ?
                    """
            ).execute(arguments: [status, a.failures, nextAt, a.at.timeIntervalSince1970, sentAt, a.httpStatus, a.error, a.id, owner])
            guard db.changesCount > 0 else { continue }
            try db.cachedStatement(
                sql: """
                    INSERT INTO attempts (delivery_id, at, status_code, duration_ms, error, response_excerpt) VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [a.id, a.at.timeIntervalSince1970, a.httpStatus, a.durationMs, a.error, a.responseExcerpt])
        }
    }

    /// Gives back every claim, live or not. Only for a process that holds the state file's
    /// writer lock: no other process can be sending, so any claim is left by one that died.
    public func releaseAllClaims() async throws(StoreError) -> Int {
        try await write { db in
            try db.execute(sql: "UPDATE deliveries SET claim_owner = NULL, claim_until = NULL WHERE claim_owner IS NOT NULL")
            return db.changesCount
        }
    }

    /// Drops this owner's claims without recording an attempt (it is stopping mid-send).
    public func releaseClaims(ids: [String], owner: String) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        try await write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE deliveries SET claim_owner = NULL, claim_until = NULL WHERE id = ? AND claim_owner = ?",
                    arguments: [id, owner])
            }
        }
    }

    // MARK: Channels

    public func disabledChannels() async throws(StoreError) -> [String: DisabledChannel] {
        try await read { db in
            var out: [String: DisabledChannel] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT channel, fingerprint, reason, disabled_at FROM channel_state") {
                let c = DisabledChannel(
                    channel: row["channel"], fingerprint: row["fingerprint"], reason: row["reason"],
                    since: Date(timeIntervalSince1970: row["disabled_at"]))
                out[c.channel] = c
            }
            return out
        }
    }

    /// Disables a channel and dead-letters what it still had queued, in one transaction.
    public func disable(_ channel: DisabledChannel) async throws(StoreError) -> Int {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO channel_state (channel, fingerprint, disabled_at, reason) VALUES (?, ?, ?, ?)
                    ON CONFLICT(channel) DO UPDATE SET fingerprint = excluded.fingerprint, disabled_at = excluded.disabled_at,
                        reason = excluded.reason
                    """, arguments: [channel.channel, channel.fingerprint, channel.since.timeIntervalSince1970, channel.reason])
            return try Self.deadLetter(
                channel: channel.channel, reason: "channel disabled: \(channel.reason)",
                now: channel.since.timeIntervalSince1970, db)
        }
    }

    private static func deadLetter(channel: String, reason: String, now: Double, _ db: Database) throws -> Int {
        try db.execute(
            sql: """
                UPDATE deliveries SET status = 'dead', last_error = COALESCE(last_error || '; ', '') || ?
                WHERE channel = ? AND status = 'pending' AND (claim_owner IS NULL OR claim_until <= ?)
                """, arguments: [reason, channel, now])
        return db.changesCount
    }

    public func enable(channels: [String]) async throws(StoreError) {
        guard !channels.isEmpty else { return }
        try await write { db in
            for c in channels { try db.execute(sql: "DELETE FROM channel_state WHERE channel = ?", arguments: [c]) }
        }
    }
}
