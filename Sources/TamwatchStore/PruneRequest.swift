import Foundation

/// The cut-off times of one pruning; nil prunes none of that kind.
public struct PruneRequest: Sendable, Equatable {
    public var eventsOfJobsFinishedBefore: Date?
    public var sentBefore: Date?
    public var deadBefore: Date?

    public init(eventsOfJobsFinishedBefore: Date? = nil, sentBefore: Date? = nil, deadBefore: Date? = nil) {
        self.eventsOfJobsFinishedBefore = eventsOfJobsFinishedBefore
        self.sentBefore = sentBefore
        self.deadBefore = deadBefore
    }

    /// The configured retention: finished jobs' events and sent deliveries older than it.
    public static func retention(_ keep: Duration, now: Date) -> PruneRequest {
        let cutoff = now.addingTimeInterval(-keep.seconds)
        return PruneRequest(eventsOfJobsFinishedBefore: cutoff, sentBefore: cutoff)
    }

    public var isEmpty: Bool { eventsOfJobsFinishedBefore == nil && sentBefore == nil && deadBefore == nil }
}
