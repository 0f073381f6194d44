import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchSQLite
@testable import TamwatchStore
@testable import TamwatchTesting

/// What `tamwatch serve` relies on from a store: watches, the event feed, the delivery log.
@Suite("Store conformance: watches, event feed, delivery log (every implementation)", .timeLimit(.minutes(5)))
struct ServeStoreConformanceTests {
    let base = StoreConformanceTests()
    static let t0 = StoreConformanceTests.t0

    func event(_ job: String, _ sequence: Int, _ type: EventType = .progress) -> Event {
        Event(
            id: Event.makeID(jobId: job, type: type, key: "\(sequence)"), type: type, jobId: job, sequence: sequence,
            occurredAt: Self.t0.addingTimeInterval(Double(sequence)), data: .object([]), job: .object([]), labels: [:])
    }

    func commit(_ store: any StateStore, _ job: String, _ events: [Event], status: JobStatus = .running, terminal: Bool = false)
        async throws
    {
        var state = WatchState(lastProgressAt: Self.t0)
        state.snapshot = JobSnapshot(jobId: job, status: status)
        state.sequence = events.last?.sequence ?? 0
        state.terminalAnnounced = terminal
        _ = try await store.commit(
            jobId: job, state: state, labels: [:], events: events, deliveries: [], flushed: [], throttle: nil, at: Self.t0)
    }

    @Test(
        "a build's query: registered with its watch, then as the watcher keeps it; for a job without a watch, its state's",
        arguments: StoreKind.allCases)
    func queries(kind: StoreKind) async throws {
        let store = try await kind.make()
        let (watch, _) = try await store.register(
            jobId: "j1", labels: [:], maxCredits: nil, guardAction: nil, query: "neobanks worldwide", at: Self.t0)
        #expect(watch.query == "neobanks worldwide" && watch.state == nil)
        _ = try await store.register(jobId: "j2", labels: [:], maxCredits: nil, guardAction: nil, at: Self.t0)
        #expect(try await store.queries(jobIds: ["j1", "j2", "nope"]) == ["j1": "neobanks worldwide"])

        var state = WatchState(lastProgressAt: Self.t0)
        state.query = "from the rows"
        for job in ["j2", "cli-only"] {
            _ = try await store.commit(
                jobId: job, state: state, labels: [:], events: [], deliveries: [], flushed: [], throttle: nil, at: Self.t0)
        }
        #expect(try await store.watch("j2")?.query == "from the rows")
        #expect(
            try await store.queries(jobIds: ["j1", "j2", "cli-only"])
                == ["j1": "neobanks worldwide", "j2": "from the rows", "cli-only": "from the rows"])
        #expect(try await store.queries(jobIds: []) == [:])
    }

    @Test(
        "register is idempotent, stop and finish end a watch, a stopped one comes back with its labels merged",
        arguments: StoreKind.allCases)
    func watchLifecycle(kind: StoreKind) async throws {
        let store = try await kind.make()
        let (first, created) = try await store.register(
            jobId: "j1", labels: ["owner": "ana"], maxCredits: 500, guardAction: "pause", at: Self.t0)
        #expect(created && first.active && first.labels == ["owner": "ana"] && first.maxCredits == 500 && first.guardAction == "pause")
        #expect(first.status == "pending" && first.state == nil)
        let (again, createdAgain) = try await store.register(
            jobId: "j1", labels: ["x": "y"], maxCredits: nil, guardAction: nil, at: Self.t0 + 5)
        #expect(!createdAgain && again.createdAt == first.createdAt && again.labels == ["owner": "ana"], "an active watch is left as it is")

        let stopped = try #require(try await store.stopWatch(jobId: "j1", at: Self.t0 + 10))
        #expect(!stopped.active && stopped.stoppedAt == Self.t0 + 10)
        #expect(try await store.stopWatch(jobId: "nope", at: Self.t0) == nil)
        let (back, _) = try await store.register(
            jobId: "j1", labels: ["team": "growth"], maxCredits: nil, guardAction: nil, at: Self.t0 + 20)
        #expect(back.active && back.stoppedAt == nil && back.labels == ["owner": "ana", "team": "growth"])

        try await commit(store, "j1", [event("j1", 1), event("j1", 2)], status: .completed, terminal: true)
        try await store.finishWatch(jobId: "j1", error: nil, at: Self.t0 + 30)
        let finished = try #require(try await store.watch("j1"))
        #expect(!finished.active && finished.finishedAt != nil && finished.status == "completed")
        #expect(finished.lastEventAt == Self.t0 + 2)
        let (done, _) = try await store.register(jobId: "j1", labels: [:], maxCredits: nil, guardAction: nil, at: Self.t0 + 40)
        #expect(!done.active, "a finished build is not watched again")

        _ = try await store.register(jobId: "j2", labels: [:], maxCredits: nil, guardAction: nil, at: Self.t0)
        try await store.finishWatch(jobId: "j2", error: "HTTP 404: job j2 was not found", at: Self.t0 + 1)
        #expect(try await store.watch("j2")?.error == "HTTP 404: job j2 was not found")
        try await store.checkWritable()
    }

    @Test(
        "active watches are counted; ended ones go with the retention, active ones stay; a label key with quotes and dots matches itself",
        arguments: StoreKind.allCases)
    func watchBounds(kind: StoreKind) async throws {
        let store = try await kind.make()
        for i in 0..<5 {
            _ = try await store.register(
                jobId: "b\(i)", labels: [#"a"b"#: "c", "x.y": "z\(i)"], maxCredits: nil, guardAction: nil, at: Self.t0)
        }
        #expect(try await store.activeWatchCount() == 5)
        _ = try await store.stopWatch(jobId: "b0", at: Self.t0)
        try await store.finishWatch(jobId: "b1", error: nil, at: Self.t0 + 10)
        try await store.finishWatch(jobId: "b2", error: "404 from OpenFunnel", at: Self.t0 + 7200)
        #expect(try await store.activeWatchCount() == 2)
        #expect(try await store.watches(WatchQuery(labels: [(#"a"b"#, "c")])).count == 5)
        #expect(try await store.watches(WatchQuery(labels: [("ab", "c")])).isEmpty)
        #expect(try await store.watches(WatchQuery(labels: [("x.y", "z3")])).map(\.jobId) == ["b3"])

        let now = Self.t0.addingTimeInterval(3600 + 60)
        let counts = try await Pruner(store: store, batch: 1).prune(.retention(.seconds(3600), now: now), now: now)
        #expect(counts.watches == 2, "\(counts)")
        #expect(Set(try await store.watches(WatchQuery()).map(\.jobId)) == ["b2", "b3", "b4"], "the recent end and the active ones stay")
        #expect(try await store.pruned().watches == 2)

        // Forgetting a watch: gone (the job's events are not the watch's to take); once only.
        #expect(try await store.forgetWatch(jobId: "b3"))
        #expect(try await store.watch("b3") == nil)
        #expect(try await store.forgetWatch(jobId: "b3") == false)
        #expect(try await store.activeWatchCount() == 1)
    }

    @Test("watches list newest first; a cursor walk sees each once; filters on status, labels and active", arguments: StoreKind.allCases)
    func watchQueries(kind: StoreKind) async throws {
        let store = try await kind.make()
        for i in 0..<7 {
            _ = try await store.register(
                jobId: "w\(i)", labels: ["parity": i % 2 == 0 ? "even" : "odd", "n": "\(i)"], maxCredits: nil, guardAction: nil,
                at: Self.t0 + Double(i))
        }
        try await commit(store, "w3", [event("w3", 1)], status: .paused)
        _ = try await store.stopWatch(jobId: "w4", at: Self.t0)
        var seen: [String] = []
        var before: Int64?
        repeat {
            let page = try await store.watches(WatchQuery(before: before, limit: 3))
            seen += page.map(\.jobId)
            before = page.count == 3 ? page.last?.cursor : nil
        } while before != nil
        #expect(seen == (0..<7).reversed().map { "w\($0)" })
        #expect(try await store.watches(WatchQuery(labels: [("parity", "even")])).map(\.jobId) == ["w6", "w4", "w2", "w0"])
        #expect(try await store.watches(WatchQuery(labels: [("parity", "even"), ("n", "2")])).map(\.jobId) == ["w2"])
        #expect(try await store.watches(WatchQuery(status: "paused")).map(\.jobId) == ["w3"])
        #expect(try await store.watches(WatchQuery(status: "pending")).count == 6)
        #expect(try await store.watches(WatchQuery(active: false)).map(\.jobId) == ["w4"])
        #expect(try await store.watches(WatchQuery(labels: [("parity", "even")], active: true, limit: 2)).map(\.jobId) == ["w6", "w2"])
    }

    @Test(
        "the event feed is in commit order across jobs; its cursor never goes back, even after the newest are pruned",
        arguments: StoreKind.allCases)
    func eventFeed(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.lastEventCursor() == 0)
        try await commit(store, "a", [event("a", 1), event("a", 2)])
        try await commit(store, "b", [event("b", 1)])
        try await commit(store, "a", [event("a", 3)])
        let all = try await store.events(after: 0, limit: 100)
        #expect(all.map(\.event.id) == [event("a", 1), event("a", 2), event("b", 1), event("a", 3)].map(\.id))
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.cursor < $1.cursor })
        #expect(try await store.lastEventCursor() == all.last?.cursor)
        #expect(try await store.events(after: all[1].cursor, limit: 1).map(\.event.id) == [all[2].event.id])
        #expect(try await store.events(jobId: "a", afterSequence: 1, limit: 10).map(\.sequence) == [2, 3])
        // The same events again are not new, and get no new cursor.
        try await commit(store, "b", [event("b", 1)])
        #expect(try await store.lastEventCursor() == all.last?.cursor)

        // Every event pruned (finished jobs, written out): a new one still gets a later cursor.
        try await commit(store, "a", [], status: .completed, terminal: true)
        try await commit(store, "b", [], status: .completed, terminal: true)
        try await store.markEmitted(all.map(\.event.id))
        let later = Self.t0.addingTimeInterval(86400)
        _ = try await store.prune(PruneRequest(eventsOfJobsFinishedBefore: later), limit: 100, now: later)
        #expect(try await store.events(after: 0, limit: 100).isEmpty)
        try await commit(store, "c", [event("c", 1)])
        let next = try #require(try await store.events(after: 0, limit: 100).first)
        #expect(next.cursor > all.last?.cursor ?? .max, "a client resuming from an old cursor cannot miss it")
    }

    @Test(
        "the delivery log: pages newest first, every attempt with its duration and answer, each channel's health",
        arguments: StoreKind.allCases)
    func deliveryLog(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await base.queue(store, (1...5).map { base.delivery($0, at: Double($0)) })
        try await base.queue(store, [base.delivery(6, channel: "chat", at: 6)], sequence: 2)
        _ = try await base.claim(store, at: Self.t0, lease: base.lease("a"))
        let later = Self.t0.addingTimeInterval(60)
        try await store.record(
            [
                AttemptRecord(
                    id: "dlv_hook_1", result: .sent, at: Self.t0 + 1, failures: 0, httpStatus: 204, durationMs: 12, responseExcerpt: "ok"),
                AttemptRecord(
                    id: "dlv_hook_2", result: .retry(at: later), at: Self.t0 + 2, failures: 1, httpStatus: 503, error: "HTTP 503",
                    durationMs: 30, responseExcerpt: "busy"),
                AttemptRecord(id: "dlv_hook_3", result: .dead, at: Self.t0 + 3, failures: 1, httpStatus: 400, error: "HTTP 400"),
            ], owner: "a")
        _ = try await base.claim(store, at: later, lease: base.lease("a"))
        try await store.record(
            [AttemptRecord(id: "dlv_hook_2", result: .sent, at: later, failures: 1, httpStatus: 200, durationMs: 8)], owner: "a")

        let attempts = try await store.attempts(deliveryId: "dlv_hook_2")
        #expect(attempts.map(\.statusCode) == [503, 200])
        #expect(attempts.map(\.durationMs) == [30, 8])
        #expect(attempts.first?.error == "HTTP 503" && attempts.first?.responseExcerpt == "busy")
        #expect(try await store.attempts(deliveryId: "dlv_hook_4").isEmpty)
        #expect(try await store.delivery(id: "dlv_hook_2")?.status == .sent)
        #expect(try await store.delivery(id: "dlv_hook") == nil, "an id, not a prefix")

        var seen: [String] = []
        var before: Int64?
        repeat {
            let page = try await store.deliveryPage(status: nil, jobId: nil, channel: "hook", before: before, limit: 2)
            seen += page.map(\.delivery.id)
            before = page.count == 2 ? page.last?.cursor : nil
        } while before != nil
        #expect(seen == (1...5).reversed().map { "dlv_hook_\($0)" })
        #expect(
            try await store.deliveryPage(status: .dead, jobId: nil, channel: nil, before: nil, limit: 10).map(\.delivery.id) == [
                "dlv_hook_3"
            ])

        let health = Dictionary(uniqueKeysWithValues: try await store.channelSummaries(health: true).map { ($0.channel, $0) })
        #expect(health["hook"]?.pending == 2 && health["hook"]?.dead == 1)
        #expect(health["hook"]?.lastSuccessAt == later)
        #expect(health["hook"]?.lastError == "HTTP 400" && health["hook"]?.lastErrorAt == Self.t0 + 3)
        #expect(health["hook"]?.oldestPendingAt == Self.t0 + 4)
        #expect(health["chat"]?.pending == 1 && health["chat"]?.lastSuccessAt == nil)
        // Without health (what a metrics scrape asks): the counts alone.
        let counts = Dictionary(uniqueKeysWithValues: try await store.channelSummaries(health: false).map { ($0.channel, $0) })
        #expect(counts["hook"]?.pending == 2 && counts["hook"]?.dead == 1 && counts["hook"]?.oldestPendingAt == Self.t0 + 4)
        #expect(counts["hook"]?.lastSuccessAt == nil && counts["hook"]?.lastError == nil)

        // Pruned deliveries take their attempts with them.
        _ = try await store.prune(PruneRequest(sentBefore: later + 1), limit: 100, now: later)
        #expect(try await store.attempts(deliveryId: "dlv_hook_2").isEmpty)
        #expect(try await store.attempts(deliveryId: "dlv_hook_3").count == 1)
    }
}

extension Date {
    fileprivate static func + (date: Date, seconds: Double) -> Date { date.addingTimeInterval(seconds) }
}
