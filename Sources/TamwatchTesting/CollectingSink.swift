import TamwatchModel
import TamwatchWatch

/// Keeps every event it is given; a test can wait for the events it expects.
public actor CollectingSink: EventSink {
    private(set) var events: [Event] = []
    private var waiters: [(condition: @Sendable ([Event]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

    public func emit(_ events: [Event]) -> Bool {
        self.events += events
        let all = self.events
        let (ready, waiting) = (waiters.filter { $0.condition(all) }, waiters.filter { !$0.condition(all) })
        waiters = waiting
        for w in ready { w.continuation.resume() }
        return true
    }

    /// Returns once the events emitted so far satisfy `condition`.
    public func wait(until condition: @escaping @Sendable ([Event]) -> Bool) async {
        if condition(events) { return }
        await withCheckedContinuation { waiters.append((condition, $0)) }
    }
}
