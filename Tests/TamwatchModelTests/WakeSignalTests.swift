import Foundation
import Synchronization
import Testing

@testable import TamwatchModel
@testable import TamwatchTesting

@Suite("WakeSignal: the dispatcher's and drain's wake-up", .timeLimit(.minutes(5)))
struct WakeSignalTests {
    @Test("a signal before the wait is kept (several count as one); a wait ends at its deadline or on the next signal")
    func signals() async throws {
        let wake = WakeSignal()
        wake.signal()
        wake.signal()
        await wake.wait()
        let clock = ManualClock(autoAdvance: false)
        // Nothing pending now: a bounded wait runs to its limit.
        async let waited: Void = wake.wait(until: clock.uptime() + .seconds(5), clock: clock)
        try await clock.sleeping(1)
        clock.advance(.seconds(5))
        await waited
        // And a signal ends a wait with a far limit at once.
        let later = Task { await wake.wait(until: clock.uptime() + .seconds(3600), clock: clock) }
        try await clock.sleeping(2)
        wake.signal()
        await later.value
        #expect(clock.uptime() == .seconds(1005), "the second wait ended by the signal, not by time")
    }

    @Test("cancelling the waiting task ends the wait, and a signal after it is not lost")
    func cancellation() async throws {
        let wake = WakeSignal()
        let ended = Changes()
        let done = Atomic<Bool>(false)
        let waiter = Task {
            await wake.wait()
            done.store(true, ordering: .sequentiallyConsistent)
            ended.signal()
        }
        waiter.cancel()
        // Fails with a message, not by hanging, if the cancellation leaves the wait waiting.
        try await eventually("the cancelled wait ended", on: ended, timeout: .seconds(5)) { done.load(ordering: .sequentiallyConsistent) }
        // The signal comes after the cancelled wait: it is kept for the next one, which returns
        // at once. Were it lost, the wait would sleep out its hour on this clock (which moves
        // when slept on), and the uptime would show it.
        let clock = ManualClock()
        wake.signal()
        await wake.wait(until: clock.uptime() + .seconds(3600), clock: clock)
        #expect(clock.uptime() == .seconds(1000) && clock.sleeps.isEmpty, "the kept signal ended the wait before it slept")
    }
}
