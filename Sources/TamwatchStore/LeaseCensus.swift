/// The shared watches as one replica's lease turn counts them.
public struct LeaseCensus: Sendable, Equatable {
    /// Active watches, held or not.
    public var activeWatches: Int
    /// Replicas alive (seen within the lease time), this one included.
    public var liveOwners: Int
    /// Active watches no live replica holds (between a replica's death and their takeover).
    public var unheldWatches: Int

    public init(activeWatches: Int, liveOwners: Int, unheldWatches: Int) {
        self.activeWatches = activeWatches
        self.liveOwners = liveOwners
        self.unheldWatches = unheldWatches
    }
}
