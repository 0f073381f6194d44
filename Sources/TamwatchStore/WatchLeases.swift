import Foundation

/// Watches shared by several replicas on one store: each active watch is held by one live
/// replica under a lease it renews. Lease times are the store's own clock, never a replica's.
/// While a replica holds a watch, the store takes that job's commits only from it, and only at
/// the epoch it holds: a replica paused past its lease (a GC pause, SIGSTOP, a partition)
/// cannot store or announce anything when it wakes (the commit fails with `.fenced`).
public protocol WatchLeases: Sendable {
    /// Takes up to `limit` active watches no live replica holds (never held, released, or a
    /// lease past its time), each at a new epoch; `jobId` takes that one watch only.
    func acquireWatches(owner: String, limit: Int, ttl: TimeInterval, jobId: String?) async throws(StoreError) -> [HeldWatch]

    /// Extends this owner's leases at the epochs it holds; returns the job ids still held (the
    /// others were taken over, or stopped through any replica: stop polling them).
    func renewWatches(owner: String, held: [HeldWatch], ttl: TimeInterval) async throws(StoreError) -> Set<String>

    /// Gives back this owner's leases at once (a graceful stop, or `jobIds` only: more than
    /// its share): another replica takes them at its next look, not after the lease time.
    func releaseWatches(owner: String, jobIds: [String]?) async throws(StoreError) -> Int

    /// Records that `owner` is alive, and counts the active watches, the replicas alive within
    /// `within` (a replica's fair share is the first divided by the second), and the active
    /// watches nobody holds.
    func leaseCensus(owner: String, within: TimeInterval) async throws(StoreError) -> LeaseCensus
}
