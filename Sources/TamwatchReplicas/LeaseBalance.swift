import TamwatchStore

/// How a replica evens out its share of the shared watches. Pure: what it holds and the census
/// in, what to do out; `SharedWatches` does it against the store.
public enum LeaseBalance {
    public enum Step: Sendable, Equatable {
        /// Take up to this many free watches.
        case take(Int)
        /// Stop polling these (more than the share) and give them back.
        case shed([String])
        /// At the share already.
        case keep
    }

    /// The active watches over the live replicas, rounded up: every watch has a replica, and no
    /// replica holds more than one over another's count. A census that counts no replica (this
    /// one's lease not yet visible) counts this one.
    public static func fairShare(_ census: LeaseCensus) -> Int {
        let replicas = max(1, census.liveOwners)
        return (max(0, census.activeWatches) + replicas - 1) / replicas
    }

    /// What to do holding `held` (job ids) at a share of `fair`: past it, the first by job id
    /// go, so that replicas agree on which without talking.
    public static func step(held: [String], fair: Int) -> Step {
        let room = fair - held.count
        if room < 0 { return .shed(Array(held.sorted().prefix(-room))) }
        return room > 0 ? .take(room) : .keep
    }
}
