import Foundation
import Synchronization
import Testing

@testable import TamwatchModel
@testable import TamwatchTesting
@testable import TamwatchWatch

@Suite("Results on completion", .timeLimit(.minutes(5)))
struct ResultsWatchTests {
    @Test("an export cut short (Ctrl-C) carries on at the next start: job.results_ready once, after job.terminal, never exported again")
    func exportCarriesOn() async throws {
        try await with(try await WatcherTests.Harness()) { h async throws in
            let id = try await h.submit()
            let exports = Atomic<Int>(0)

            var first = h.watcher
            first.exportResults = { _ in
                exports.add(1, ordering: .relaxed)
                withUnsafeCurrentTask { $0?.cancel() }  // Ctrl-C while the list is being written
                return .object([("error", .string("cancelled"))])
            }
            #expect(try await first.watch(job: id) == .interrupted)
            var events = await h.sink.events
            #expect(events.last?.type == .terminal, "the terminal event is never held back for the export")
            #expect(!events.contains { $0.type == .resultsReady })

            var second = h.watcher
            second.exportResults = { jobId in
                exports.add(1, ordering: .relaxed)
                return .object([("path", .string("/lists/\(jobId).csv")), ("rows", .int(21815))])
            }
            #expect(try await second.watch(job: id) == .completed)
            #expect(try await second.watch(job: id) == .completed, "a third start has nothing left to do")
            #expect(exports.load(ordering: .relaxed) == 2)
            events = await h.sink.events
            let ready = events.filter { $0.type == .resultsReady }
            #expect(ready.count == 1)
            let terminal = try #require(events.first { $0.type == .terminal })
            #expect(ready.first?.sequence == terminal.sequence + 1)
            #expect(ready.first?.data["results"]?["path"]?.stringValue == "/lists/\(id).csv")
            let stored = try await h.store.events(jobId: id, onlyPending: false)
            #expect(stored.map(\.sequence) == Array(1...stored.count) && stored.last?.type == .resultsReady)
        }
    }

    @Test("no export for a build that failed")
    func onlyCompleted() async throws {
        try await with(try await WatcherTests.Harness()) { h async throws in
            let failed = try await h.submit("failed")
            let exports = Atomic<Int>(0)
            var watcher = h.watcher
            watcher.exportResults = { _ in
                exports.add(1, ordering: .relaxed)
                return .object([])
            }
            #expect(try await watcher.watch(job: failed) == .failed)
            #expect(exports.load(ordering: .relaxed) == 0)
            #expect(!(await h.sink.events).contains { $0.type == .resultsReady })
        }
    }
}
