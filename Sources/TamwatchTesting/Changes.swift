import Synchronization

/// Something a test waits on without polling: whatever it watches (a server's requests, a
/// clock's sleepers) calls `signal()` on every change, and `eventually` looks again then.
public final class Changes: Sendable {
    private struct State {
        var version: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    /// Something changed: every waiter looks again.
    public func signal() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.version &+= 1
            defer { s.waiters.removeAll() }
            return s.waiters.map(\.continuation)
        }
        woken.forEach { $0.resume() }
    }

    var version: UInt64 { state.withLock { $0.version } }

    /// Returns at the first change after `version` (at once if there was one already), or
    /// when the task is cancelled.
    func next(after version: UInt64) async {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.version != version || Task.isCancelled { return true }
                    s.waiters.append((id, c))
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }?.resume()
        }
    }
}

/// What `eventually` throws when the condition did not come to hold in time.
public struct NeverHappened: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration
    public var description: String { "\(what): not within \(timeout)" }
}

/// Returns once `condition` holds, looking at it now and again after each change `changes`
/// reports, never on a timer. Real time bounds the wait only (the far side is other threads or
/// processes): past `timeout` it throws `NeverHappened` naming `what`.
public func eventually(
    _ what: String, on changes: Changes, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    // One wake at the deadline, so a wait with no more changes ends there.
    let alarm = Task {
        try await Task.sleep(until: deadline)
        changes.signal()
    }
    defer { alarm.cancel() }
    while true {
        let seen = changes.version
        if try await condition() { return }
        guard ContinuousClock.now < deadline, !Task.isCancelled else { throw NeverHappened(what: what, timeout: timeout) }
        await changes.next(after: seen)
    }
}
