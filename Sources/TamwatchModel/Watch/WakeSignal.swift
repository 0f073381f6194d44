import Synchronization

/// A wake-up call for one waiting loop: `signal()` wakes the waiter, or the next `wait` when
/// no one waits yet (signals in between count as one). A wait can have a deadline, on a
/// `WatchClock`, and ends early when its task is cancelled. No task outlives a wait: the time
/// limit is a child task, cancelled and awaited before `wait` returns.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Until the next signal, or until the task is cancelled.
    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if s.pending {
                        s.pending = false
                        return true
                    }
                    // Cancelled before the waiter was stored: the handler found nothing to resume.
                    if Task.isCancelled { return true }
                    s.waiter = c
                    return false
                }
                if ready { c.resume() }
            }
        } onCancel: {
            state.withLock { s in
                defer { s.waiter = nil }; return s.waiter
            }?.resume()
        }
    }

    /// Until the next signal or until the clock's uptime reaches `deadline`, whichever is
    /// first; without a deadline, as `wait()`.
    public func wait(until deadline: Duration?, clock: any WatchClock) async {
        guard let deadline else { return await wait() }
        let ready = state.withLock { s -> Bool in
            guard s.pending else { return false }
            s.pending = false
            return true
        }
        if ready || deadline <= clock.uptime() { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
