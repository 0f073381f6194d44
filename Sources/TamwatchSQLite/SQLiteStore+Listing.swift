import Foundation
import GRDB
import TamwatchStore

/// Listing and replay: what `deliveries`, `replay` and a drain read.
extension SQLiteStore {
    public func deliveries(
        status: StoredDelivery.Status? = nil, jobId: String? = nil, channel: String? = nil,
        limit: Int = 1000
    ) async throws(StoreError) -> [StoredDelivery] {
        let (filter, arguments) = Self.deliveryFilter(status: status, jobId: jobId, channel: channel, before: nil)
        let args = StatementArguments(arguments + [limit]) ?? StatementArguments()
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.columns) FROM deliveries \(filter) ORDER BY created_at, rowid LIMIT ?",
                arguments: args
            ).compactMap(Self.stored)
        }
    }

    /// A WHERE clause (or nothing) for any of status, job, channel and a rowid cursor.
    static func deliveryFilter(status: StoredDelivery.Status?, jobId: String?, channel: String?, before: Int64?) -> (
        String, [any DatabaseValueConvertible]
    ) {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let status { conditions.append("status = ?"); arguments.append(status.rawValue) }
        if let jobId { conditions.append("job_id = ?"); arguments.append(jobId) }
        if let channel { conditions.append("channel = ?"); arguments.append(channel) }
        if let before { conditions.append("rowid < ?"); arguments.append(before) }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    /// Deliveries whose id starts with `prefix` (a listing shows short ids, as git does).
    public func deliveries(idPrefix prefix: String) async throws(StoreError) -> [StoredDelivery] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.columns) FROM deliveries WHERE substr(id, 1, ?) = ? LIMIT 2",
                arguments: [prefix.count, prefix]
            ).compactMap(Self.stored)
        }
    }

    /// Queues deliveries again from the start of their retry schedule, due now, marked as one
    /// `batch` (a replay sends, waits for and reports exactly these); returns the ids queued. One
    /// that another process is sending right now (a live claim) is left alone.
    public func requeue(ids: [String], at now: Date, batch: String? = nil) async throws(StoreError) -> [String] {
        try await write { db in
            var queued: [String] = []
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET status = 'pending', failures = 0, next_at = ?, batch = ?
                    WHERE id = ? AND (claim_owner IS NULL OR claim_until <= ?)
                    """)
            for id in ids {
                try statement.execute(arguments: [now.timeIntervalSince1970, batch, id, now.timeIntervalSince1970])
                if db.changesCount > 0 { queued.append(id) }
            }
            return queued
        }
    }

    /// The deliveries of a replay batch, in the order they were first queued.
    public func deliveries(batch: String) async throws(StoreError) -> [StoredDelivery] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.columns) FROM deliveries WHERE batch = ? ORDER BY created_at, rowid",
                arguments: [batch]
            ).compactMap(Self.stored)
        }
    }

    /// How many deliveries of these jobs (or of this replay batch) are still pending on the given
    /// channels, and the earliest time one of them is due. With `countAll` false the count is
    /// 0 or 1 (enough to know whether to wait), which stays cheap for a large outbox.
    public func pending(jobIds: [String]?, batch: String? = nil, channels: [String], countAll: Bool = true) async throws(StoreError)
        -> PendingSummary
    {
        guard !channels.isEmpty else { return PendingSummary(count: 0, nextAt: nil) }
        var filter = "status = 'pending' AND channel IN (\(channels.map { _ in "?" }.joined(separator: ",")))"
        var arguments: [any DatabaseValueConvertible] = channels
        if let jobIds {
            filter += " AND job_id IN (\(jobIds.map { _ in "?" }.joined(separator: ",")))"
            arguments += jobIds as [any DatabaseValueConvertible]
        }
        if let batch {
            // Through the batch index: a replay's check costs what is still pending, not its size.
            filter += " AND batch = ?"
            arguments.append(batch)
        }
        let args = StatementArguments(arguments) ?? StatementArguments()
        let countSQL =
            countAll
            ? "SELECT COUNT(*) FROM deliveries WHERE \(filter)"
            : "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE \(filter) LIMIT 1)"
        let nextSQL = "SELECT MIN(next_at) FROM deliveries WHERE \(filter)"
        return try await read { db in
            let count = try Int.fetchOne(db, sql: countSQL, arguments: args) ?? 0
            guard count > 0 else { return PendingSummary(count: 0, nextAt: nil) }
            let next = try Double.fetchOne(db, sql: nextSQL, arguments: args)
            return PendingSummary(count: count, nextAt: next.map(Date.init(timeIntervalSince1970:)))
        }
    }
}
