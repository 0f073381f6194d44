import Foundation

/// Prunes in small batches, each its own short transaction, until nothing the request covers
/// is left: a large backlog never holds up the writers (the watcher, the dispatcher) for long.
public struct Pruner: Sendable {
    public let store: any Pruning
    /// Rows of each kind per transaction.
    public var batch: Int

    public init(store: any Pruning, batch: Int = 500) {
        self.store = store
        self.batch = batch
    }

    /// Everything `request` covers, pruned; returns the counts. Stops early, with what was
    /// pruned so far, when the task is cancelled.
    public func prune(_ request: PruneRequest, now: Date) async throws(StoreError) -> PruneCounts {
        var total = PruneCounts()
        var left = request
        while !left.isEmpty, !Task.isCancelled {
            let counts = try await store.prune(left, limit: batch, now: now)
            total = total + counts
            // A kind whose batch came back short is done.
            if counts.events < batch { left.eventsOfJobsFinishedBefore = nil }
            if counts.sent < batch { left.sentBefore = nil }
            if counts.dead < batch { left.deadBefore = nil }
            if counts.watches < batch { left.watchesEndedBefore = nil }
            await Task.yield()
        }
        return total
    }
}
