import Foundation

/// The watcher's and dispatcher's only access to time, so tests can run a whole watch without
/// sleeping, and can make the wall clock jump.
public protocol WatchClock: Sendable {
    /// Wall time: for instants that are stored or shown (an event's time, when a retry is due).
    func now() -> Date
    /// Time since an arbitrary start, moving only forward and at the pace of real time however
    /// the wall clock is set (NTP steps, a changed time zone, a person): for intervals, such as
    /// the give-up budget, the 404 grace, channel pauses, rate limits and deadlines.
    func uptime() -> Duration
    func sleep(for duration: Duration) async throws
    /// Until `uptime()` reaches `deadline`: a deadline computed before the call is kept however
    /// long the call takes to start.
    func sleep(until deadline: Duration) async throws
}

extension WatchClock {
    public func sleep(until deadline: Duration) async throws {
        try await sleep(for: max(.zero, deadline - uptime()))
    }
}
