import Foundation
import Synchronization
import TamwatchModel

/// A clock the test moves by hand. `sleep` returns at once and moves it forward, so a watch
/// that backs off for minutes finishes in microseconds.
public final class ManualClock: WatchClock, Sendable {
    private let current: Mutex<(wall: Date, uptime: Duration)>
    private let slept = Mutex<[Duration]>([])
    /// Moves the wall clock (only) by this much on every sleep: a clock that keeps being reset.
    public let wallJumpPerSleep: TimeInterval
    /// When true (the default) a sleep moves the clock and returns at once; when false it waits
    /// until `advance` reaches its end, so a test decides when time passes.
    public let autoAdvance: Bool
    private let sleepers = Mutex<[(until: Duration, id: UInt64, continuation: CheckedContinuation<Void, any Error>)]>([])
    private let nextSleeper = Mutex<UInt64>(0)
    /// Signalled by every sleep that begins: what `sleeping` waits on.
    private let changes = Changes()

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000), wallJumpPerSleep: TimeInterval = 0, autoAdvance: Bool = true) {
        current = Mutex((start, .seconds(1000)))
        self.wallJumpPerSleep = wallJumpPerSleep
        self.autoAdvance = autoAdvance
    }

    public func now() -> Date { current.withLock { $0.wall } }

    public func uptime() -> Duration { current.withLock { $0.uptime } }

    public func sleep(for duration: Duration) async throws {
        try await sleep(until: uptime() + duration)
    }

    public func sleep(until deadline: Duration) async throws {
        try Task.checkCancellation()
        let duration = deadline - uptime()
        slept.withLock { $0.append(duration) }
        guard autoAdvance else {
            let id = nextSleeper.withLock {
                $0 += 1
                return $0
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    // Checked under the sleepers' lock: an `advance` either sees this sleeper or
                    // has already moved the clock past its deadline.
                    let ready = sleepers.withLock { list -> Bool in
                        if deadline <= uptime() || Task.isCancelled { return true }
                        list.append((deadline, id, c))
                        return false
                    }
                    changes.signal()
                    if ready { c.resume() }
                }
            } onCancel: {
                let cancelled = sleepers.withLock { list -> CheckedContinuation<Void, any Error>? in
                    guard let i = list.firstIndex(where: { $0.id == id }) else { return nil }
                    return list.remove(at: i).continuation
                }
                cancelled?.resume(throwing: CancellationError())
            }
            return
        }
        if duration > .zero { advance(duration) }
        if wallJumpPerSleep != 0 { jumpWall(by: wallJumpPerSleep) }
        changes.signal()
        await Task.yield()
    }

    /// Returns once `n` sleeps have begun on this clock (counting from its start): the task
    /// under test has done everything up to its next wait. Woken by each sleep, never polled.
    public func sleeping(_ n: Int, timeout: Duration = .seconds(20)) async throws {
        try await eventually("\(n) sleeps on the clock (\(sleeps.count) so far)", on: changes, timeout: timeout) { sleeps.count >= n }
    }

    /// Time passes and what falls due runs: the sleepers due by then wake, and this returns
    /// once each has run to its next sleep on this clock (a woken task that ends instead never
    /// sleeps again: move time with the synchronous `advance` then, and await the task).
    public func run(_ d: Duration, timeout: Duration = .seconds(20)) async throws {
        let before = sleeps.count
        let woken = advance(d)
        try await sleeping(before + woken, timeout: timeout)
    }

    /// Real time passes: both clocks move, and sleepers whose time has come wake up; returns
    /// how many woke.
    @discardableResult
    public func advance(_ d: Duration) -> Int {
        let now = current.withLock { c -> Duration in
            c.wall = c.wall.addingTimeInterval(d.seconds)
            c.uptime += d
            return c.uptime
        }
        let due = sleepers.withLock { list -> [CheckedContinuation<Void, any Error>] in
            let ready = list.filter { $0.until <= now }.map(\.continuation)
            list.removeAll { $0.until <= now }
            return ready
        }
        due.forEach { $0.resume() }
        return due.count
    }

    /// Someone sets the wall clock: only it moves.
    public func jumpWall(by seconds: TimeInterval) { current.withLock { $0.wall = $0.wall.addingTimeInterval(seconds) } }

    public var sleeps: [Duration] { slept.withLock { $0 } }

    /// Monotonic seconds for the simulator, on the same hand-moved time.
    public var seconds: @Sendable () -> Double { { [self] in self.now().timeIntervalSince1970 } }
}
