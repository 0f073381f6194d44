import Foundation
import Logging
import Testing

@testable import TamwatchModel
@testable import TamwatchTesting
@testable import TamwatchWatch

@Suite("Credit balance", .timeLimit(.minutes(5)))
struct CreditBalanceTests {
    @Test("account.credits_low once when credits_left drops below the floor, again only after it recovered; job_id null")
    func creditsLowOnce() async throws {
        try await with(try await WatcherTests.Harness(totalCredits: 30000)) { h async throws in
            let watcher = h.watcher
            #expect(try await watcher.checkBalance(threshold: 10000) == nil, "30,000 left: nothing to say")

            // The simulator charges one credit per company delivered: a whole build spends 21,815.
            let id = try await h.submit()
            #expect(try await watcher.watch(job: id) == .completed)
            let low = try #require(try await watcher.checkBalance(threshold: 10000))
            #expect(low.type == .creditsLow)
            #expect(low.json["job_id"] == .null)
            #expect(low.data["credits_left"]?.doubleValue == Double(30000 - 21815))
            #expect(low.data["credits_used"]?.doubleValue == 21815)
            #expect(low.data["total_credits"]?.doubleValue == 30000)
            #expect(low.data["threshold"]?.doubleValue == 10000)
            #expect(try await watcher.checkBalance(threshold: 10000) == nil, "once, not at every check")

            // Above a lower floor it counts as recovered; below the first one again, it is news again.
            #expect(try await watcher.checkBalance(threshold: 5000) == nil)
            let again = try #require(try await watcher.checkBalance(threshold: 10000))
            #expect(again.id != low.id && again.sequence == low.sequence + 1)
            let stored = try await h.store.events(jobId: "", onlyPending: false)
            #expect(stored.map(\.id) == [low.id, again.id])
            #expect(await h.sink.events.filter { $0.type == .creditsLow }.count == 2, "written out like any event")
        }
    }

    @Test("watchBalance reads the balance once per interval on the injected clock, and not while no build runs")
    func oncePerInterval() async throws {
        try await with(try await WatcherTests.Harness(totalCredits: 0)) { h async throws in
            let clock = ManualClock(autoAdvance: false)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let watcher = Watcher(client: h.client, store: h.store, sink: h.sink, settings: h.settings, clock: clock, logger: logger)
            let running = RunningFlag()
            let task = Task { try await watcher.watchBalance(threshold: 1, every: .seconds(60), active: { running.value }) }
            defer { task.cancel() }
            // Each `run` returns once the balance watch has done what fell due and sleeps again.
            try await clock.sleeping(1)
            try await clock.run(.seconds(60))
            #expect(await h.sink.events.isEmpty, "no build runs: the balance is not read")
            running.value = true
            try await clock.run(.seconds(60))
            let events = await h.sink.events
            #expect(events.count == 1 && events.first?.type == .creditsLow && events.first?.data["credits_left"]?.doubleValue == 0)
            try await clock.run(.seconds(60))
            #expect(await h.sink.events.count == 1, "still low: not announced again")
            #expect(clock.sleeps == Array(repeating: .seconds(60), count: 4))
            task.cancel()
        }
    }
}

/// A flag the test flips while the balance watch reads it.
final class RunningFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}
