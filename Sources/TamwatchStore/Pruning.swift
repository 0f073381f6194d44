import Foundation

/// What a store may forget, and what it has forgotten so far.
public protocol Pruning: Sendable {
    /// One small batch of pruning, in one transaction: at most `limit` each of events of jobs
    /// that finished before `request.eventsOfJobsFinishedBefore`, sent deliveries sent before
    /// `request.sentBefore` and dead deliveries that died before `request.deadBefore` (a nil
    /// date prunes none of that kind). Pending deliveries and events not yet written out are
    /// never pruned. Returns how many of each went; the caller repeats while a kind reaches the
    /// limit, so that writers are never held up for long.
    func prune(_ request: PruneRequest, limit: Int, now: Date) async throws(StoreError) -> PruneCounts

    /// Everything pruned from this store so far, and when it was last pruned.
    func pruned() async throws(StoreError) -> PruneCounts
}
