import Foundation

/// The cut-off times of one pruning; nil prunes none of that kind.
public struct PruneRequest: Sendable, Equatable {
    public var eventsOfJobsFinishedBefore: Date?
    public var sentBefore: Date?
    public var deadBefore: Date?
    /// Watches no longer active (finished, errored or stopped) since before this.
    public var watchesEndedBefore: Date?

    public init(eventsOfJobsFinishedBefore: Date? = nil, sentBefore: Date? = nil, deadBefore: Date? = nil, watchesEndedBefore: Date? = nil)
    {
        self.eventsOfJobsFinishedBefore = eventsOfJobsFinishedBefore
        self.sentBefore = sentBefore
        self.deadBefore = deadBefore
        self.watchesEndedBefore = watchesEndedBefore
    }

    /// The configured retention: finished jobs' events, sent deliveries and ended watches older
    /// than it.
    public static func retention(_ keep: Duration, now: Date) -> PruneRequest {
        let cutoff = now.addingTimeInterval(-keep.seconds)
        return PruneRequest(eventsOfJobsFinishedBefore: cutoff, sentBefore: cutoff, watchesEndedBefore: cutoff)
    }

    public var isEmpty: Bool { eventsOfJobsFinishedBefore == nil && sentBefore == nil && deadBefore == nil && watchesEndedBefore == nil }
}
