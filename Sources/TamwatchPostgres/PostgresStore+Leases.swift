import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

/// Shared watches: leases with a fencing epoch, on the database's clock.
extension PostgresStore: WatchLeases {
    /// A lease turn's transaction may take as long as the lease (at least 5 s): later, what
    /// it renews has run out in any case, and the replica had better try again on another
    /// connection.
    static func turnWithin(_ ttl: TimeInterval) -> Duration { .milliseconds(Int64(max(ttl, 5) * 1000)) }

    public func acquireWatches(owner: String, limit: Int, ttl: TimeInterval, jobId: String?) async throws(StoreError) -> [HeldWatch] {
        guard limit > 0 else { return [] }
        let taken = try await transaction(within: Self.turnWithin(ttl)) { db in
            // Free watches, oldest first; rows another transaction holds are skipped. The epoch
            // goes up with every acquisition: it is the fencing token.
            try await db.rows(
                """
                WITH free AS (
                    SELECT job_id FROM watches
                    WHERE active AND (owner IS NULL OR lease_until IS NULL OR lease_until < now())
                        AND (\(jobId)::text IS NULL OR job_id = \(jobId))
                    ORDER BY cursor LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                UPDATE watches w SET owner = \(owner), lease_epoch = w.lease_epoch + 1,
                    lease_until = now() + \(ttl) * interval '1 second'
                FROM free WHERE w.job_id = free.job_id
                RETURNING w.job_id, w.lease_epoch, w.labels, w.max_credits, w.guard_action, w.query
                """
            ).map { row in
                let (jobId, epoch, labels, maxCredits, guardAction, query) = try row.decode(
                    (String, Int64, String, Int?, String?, String?).self)
                return HeldWatch(
                    jobId: jobId, epoch: epoch, labels: Self.decode([String: String].self, labels) ?? [:], maxCredits: maxCredits,
                    guardAction: guardAction, query: query)
            }
        }
        fence.withLock { f in
            f.shared = true
            for w in taken { f.held[w.jobId] = (owner, w.epoch) }
        }
        return taken
    }

    public func renewWatches(owner: String, held: [HeldWatch], ttl: TimeInterval) async throws(StoreError) -> Set<String> {
        guard !held.isEmpty else { return [] }
        let ids = held.map(\.jobId)
        let epochs = held.map(\.epoch)
        let kept = try await transaction(within: Self.turnWithin(ttl)) { db in
            Set(
                try await db.rows(
                    """
                    UPDATE watches w SET lease_until = now() + \(ttl) * interval '1 second'
                    FROM unnest(\(ids)::text[], \(epochs)::int8[]) AS h(job_id, epoch)
                    WHERE w.job_id = h.job_id AND w.owner = \(owner) AND w.lease_epoch = h.epoch AND w.active
                    RETURNING w.job_id
                    """
                ).map { try $0.decode(String.self) })
        }
        // A lost watch stays in the fence at its old epoch: a commit still in flight for it is
        // checked against the database, and refused.
        return kept
    }

    public func releaseWatches(owner: String, jobIds: [String]?) async throws(StoreError) -> Int {
        let all = jobIds == nil
        let ids = jobIds ?? []
        let released = try await transaction { db in
            let n = try await db.rows(
                """
                UPDATE watches SET owner = NULL, lease_until = NULL WHERE owner = \(owner) AND (\(all) OR job_id = ANY(\(ids)))
                RETURNING job_id
                """
            ).count
            // Stopping: no longer counted alive, so the others' shares cover its watches at once.
            if all { try await db.rows("DELETE FROM replicas WHERE owner = \(owner)") }
            if n > 0 || all { try await Self.notify(.release, db) }
            return n
        }
        // The fence stays: a commit still in flight is checked against the database, where the
        // watch is no longer this owner's, and refused.
        return released
    }

    public func leaseCensus(owner: String, within: TimeInterval) async throws(StoreError) -> LeaseCensus {
        let (census, skew) = try await transaction(within: Self.turnWithin(within)) { db in
            // The clocks compared again, at every turn.
            let skew = try await Self.measureSkew { try await db.rows($0) }
            try await db.rows(
                "INSERT INTO replicas (owner, seen_at) VALUES (\(owner), now()) ON CONFLICT (owner) DO UPDATE SET seen_at = now()")
            let row = try await db.rows(
                """
                SELECT (SELECT COUNT(*) FROM watches WHERE active),
                    (SELECT COUNT(*) FROM replicas WHERE seen_at > now() - \(within) * interval '1 second'),
                    (SELECT COUNT(*) FROM watches WHERE active AND (owner IS NULL OR lease_until IS NULL OR lease_until < now()))
                """
            ).first
            let (active, live, unheld) = try row?.decode((Int, Int, Int).self) ?? (0, 1, 0)
            return (LeaseCensus(activeWatches: active, liveOwners: max(1, live), unheldWatches: unheld), skew)
        }
        self.skew.withLock { $0 = skew }
        return census
    }
}
