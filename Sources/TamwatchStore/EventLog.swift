import Foundation
import TamwatchModel

/// Per job, the watch state and every event, as the watcher commits them.
///
/// An implementation stores a poll's state, its events and the deliveries they caused in one
/// transaction, stores an event id at most once, and keeps an event pending until it is marked
/// emitted: a crash at any point loses nothing, and a restart re-emits only what may not have
/// been written out.
public protocol EventLog: Sendable {
    /// The job's state, labels and throttle, or nil for a job never committed.
    func job(_ jobId: String) async throws(StoreError) -> StoredJob?

    /// Stores the new state, the events and the deliveries they caused (the outbox) at once.
    /// Returns the events that were new (an id already stored is never stored, or announced,
    /// twice); a delivery is queued only with its event's first storing. `flushed` deliveries
    /// (held-back events a throttle releases) are queued whatever the events. A nil `throttle`
    /// keeps the stored one.
    func commit(
        jobId: String, state: WatchState, labels: [String: String], events: [Event],
        deliveries: [Delivery], flushed: [Delivery], throttle: ThrottleState?,
        at now: Date
    ) async throws(StoreError) -> [Event]

    /// Every stored event of a job by sequence; with `onlyPending`, those not yet marked emitted.
    func events(jobId: String, onlyPending: Bool) async throws(StoreError) -> [Event]

    /// The events were written out: a restart does not emit them again.
    func markEmitted(_ ids: [String]) async throws(StoreError)
}

extension EventLog {
    public func events(jobId: String) async throws(StoreError) -> [Event] {
        try await events(jobId: jobId, onlyPending: false)
    }

    /// Events stored but not yet written out, oldest first.
    public func pendingEvents(jobId: String) async throws(StoreError) -> [Event] {
        try await events(jobId: jobId, onlyPending: true)
    }
}
