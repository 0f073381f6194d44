import TamwatchModel

/// Events in the order they were committed, each with a cursor: a stream that resumes after a
/// cursor misses nothing and repeats nothing.
public protocol EventFeed: Sendable {
    /// Events committed after `cursor`, oldest first.
    func events(after cursor: Int64, limit: Int) async throws(StoreError) -> [FeedEvent]

    /// The cursor of the newest event (0 for none).
    func lastEventCursor() async throws(StoreError) -> Int64

    /// A job's events after the sequence number `after`, by sequence.
    func events(jobId: String, afterSequence after: Int, limit: Int) async throws(StoreError) -> [Event]
}
