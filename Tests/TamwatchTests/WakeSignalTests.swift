import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchTesting

@Suite("WakeSignal: the dispatcher's and drain's wake-up", .timeLimit(.minutes(5)))
struct WakeSignalTests {
    @Test("a signal before the wait is kept (several count as one); a wait ends at its deadline or on the next signal")
    func signals() async {
        let wake = WakeSignal()
        wake.signal()
        wake.signal()
        await wake.wait()
        let clock = ManualClock(autoAdvance: false)
        // Nothing pending now: a bounded wait runs to its limit.
        async let waited: Void = wake.wait(until: clock.uptime() + .seconds(5), clock: clock)
        while clock.sleeps.isEmpty { await Task.yield() }
        clock.advance(.seconds(5))
        await waited
        // And a signal ends a wait with a far limit at once.
        let later = Task { await wake.wait(until: clock.uptime() + .seconds(3600), clock: clock) }
        while clock.sleeps.count < 2 { await Task.yield() }
        wake.signal()
        await later.value
        #expect(clock.uptime() == .seconds(1005), "the second wait ended by the signal, not by time")
    }

    @Test("cancelling the waiting task ends the wait, and a signal after it is not lost")
    func cancellation() async {
        let wake = WakeSignal()
        let waiter = Task { await wake.wait() }
        await Task.yield()
        waiter.cancel()
        await waiter.value
        wake.signal()
        await wake.wait()  // returns: the signal was kept
    }
}
