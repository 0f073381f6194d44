import Foundation
import Logging
import Testing

@testable import TamwatchConfig
@testable import TamwatchHTTP
@testable import TamwatchHTTPServer
@testable import TamwatchModel
@testable import TamwatchOpenFunnel
@testable import TamwatchRules
@testable import TamwatchSQLite
@testable import TamwatchSimulator
@testable import TamwatchTesting
@testable import TamwatchWatch

/// The whole watch pipeline in one process: simulator over real HTTP, libcurl, SQLite, a hand-moved clock.
@Suite("Watcher", .timeLimit(.minutes(5)))
struct WatcherTests {
    struct Harness: AsyncClosing {
        let sim: RunningServer
        let transport = CurlTransport()
        let client: OpenFunnelClient
        let store: SQLiteStore
        let sink = CollectingSink()
        let clock: ManualClock
        let settings: WatchSettings

        init(
            scenario: String = "normal", key: String = "k", clientKey: String? = nil, baseURL: String? = nil,
            grace: Duration = .seconds(30), giveUp: Duration = .seconds(120), storePath: String? = nil,
            wallJumpPerSleep: TimeInterval = 0, totalCredits: Double = 1_000_000
        ) async throws {
            clock = ManualClock(wallJumpPerSleep: wallJumpPerSleep)
            let catalog = try ScenarioCatalog.bundled()
            let engine = SimulatorEngine(
                apiKey: key, scenario: try #require(catalog[scenario]), scenarios: catalog, pace: .perPoll(.seconds(5)),
                totalCredits: totalCredits)
            sim = try await SimulatorServer(engine: engine).start()
            client = OpenFunnelClient(baseURL: baseURL ?? sim.baseURL, apiKey: clientKey ?? key, transport: transport)
            store = try SQLiteStore(path: storePath ?? temporaryPath("state.sqlite"))
            settings = WatchSettings(
                schedule: PollSchedule(interval: .milliseconds(50), maxInterval: .seconds(5)),
                diff: DiffSettings(milestones: .list([1000, 5000, 10000]), stallAfter: nil),
                notFoundGrace: grace, giveUpAfter: giveUp)
        }

        /// The simulator stopped and the transport's loop thread ended (`with` awaits it).
        func close() async {
            await sim.stop()
            transport.shutdown()
        }

        var watcher: Watcher {
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            return Watcher(client: client, store: store, sink: sink, settings: settings, clock: clock, logger: logger, jitter: { 1 })
        }

        func submit(_ scenario: String? = nil) async throws -> String {
            try await client.submit(
                query: "cloud observability tools",
                extraHeaders: scenario.map { [HTTPHeader("X-Simulator-Scenario", $0)] } ?? []
            ).jobId
        }
    }

    /// (type, data) pairs: what a reader sees, independent of job ids and of when the polls
    /// happened (the rows in `top` are made for each job, the pace depends on the polls' times:
    /// both are checked on their own).
    func shape(_ events: [Event]) -> [String] {
        events.map { e in
            var data = e.data
            if case .object(let members) = data { data = .object(members.filter { $0.0 != "top" && $0.0 != "rate_per_minute" }) }
            return "\(e.type.rawValue) \(data.serialized())"
        }
    }

    @Test("a normal build: baseline, every band once, milestones, credits, terminal; exit 0")
    func normal() async throws {
        try await with(try await Harness()) { h async throws in
            let id = try await h.submit()
            let outcome = try await h.watcher.watch(job: id)
            #expect(outcome == .completed)
            let events = await h.sink.events
            #expect(events.first?.type == .statusChanged && events.first?.data["from"] == .null)
            #expect(events.filter { $0.type == .bandCompleted }.compactMap { $0.data["band"]?.intValue } == [1, 2, 3, 4, 5, 6])
            #expect(events.filter { $0.type == .processedMilestone }.compactMap { $0.data["milestone"]?.intValue } == [1000, 5000, 10000])
            #expect(events.filter { $0.type == .creditsConsumed }.count == 1)
            #expect(events.last?.type == .terminal && events.last?.data["status"] == .string("completed"))
            #expect(events.map(\.sequence) == Array(1...events.count))
            let stored = try await h.store.events(jobId: id)
            #expect(stored.map(\.id) == events.map(\.id))
            // job.terminal carries the final first page's first five rows, the highest ranked.
            let firstPage = try await h.client.poll(jobId: id, cursor: "page_0000")
            #expect(events.last?.data["top"] == .array(firstPage.rows.prefix(5).map(\.json)))
            #expect(events.last?.data["top"]?[0]?["name"]?.stringValue?.isEmpty == false)
            #expect(try await h.store.job(id)?.state.snapshot?.top == nil, "the rows are not kept with the state")
        }
    }

    @Test("the build's query is every event's data.query: given by the submitter from the first event, else from the first rows on")
    func query() async throws {
        try await with(try await Harness()) { h async throws in
            let given = try await h.submit()
            #expect(try await h.watcher.watch(jobs: [given], queries: [given: "B2B payments startups in Europe"])[given] == .completed)
            let told = await h.sink.events.filter { $0.jobId == given }
            #expect(!told.isEmpty && told.allSatisfy { $0.data["query"] == .string("B2B payments startups in Europe") })

            // Watched by id: unknown while the build has no rows (pending), then its rows' source_query.
            let byId = try await h.submit()
            #expect(try await h.watcher.watch(job: byId) == .completed)
            let read = await h.sink.events.filter { $0.jobId == byId }
            let first = try #require(read.firstIndex { $0.data["query"] != .null })
            #expect(read[0].data["query"] == .null, "the simulator's build has no rows at its first poll")
            #expect(read[first...].allSatisfy { $0.data["query"] == .string("cloud observability tools") })
            #expect(read.last?.type == .terminal && first < read.count - 1)
            #expect(try await h.store.job(byId)?.state.query == "cloud observability tools", "kept with the state")
        }
    }

    @Test("transient 429, 5xx and malformed bodies change nothing a reader sees, and Retry-After is honoured")
    func flakyEqualsNormal() async throws {
        try await with(try await Harness()) { normal async throws in
            _ = try await normal.watcher.watch(job: try await normal.submit())
            try await with(try await Harness(scenario: "flaky")) { flaky async throws in
                let outcome = try await flaky.watcher.watch(job: try await flaky.submit())
                #expect(outcome == .completed)
                #expect(shape(await flaky.sink.events) == shape(await normal.sink.events))
                #expect(flaky.clock.sleeps.contains { $0 >= .seconds(1) }, "the 429's Retry-After: 1 was not honoured")
                #expect(!normal.clock.sleeps.contains { $0 >= .seconds(1) })
            }
        }
    }

    @Test("pause is not terminal: the watch carries on through paused to completed")
    func paused() async throws {
        try await with(try await Harness(scenario: "paused")) { h async throws in
            #expect(try await h.watcher.watch(job: try await h.submit()) == .completed)
            let statuses = await h.sink.events.filter { $0.type == .statusChanged }.compactMap { $0.data["to"]?.stringValue }
            #expect(statuses == ["running", "pausing", "paused", "running", "completed"])
        }
    }

    @Test("a throttle window that closes while the build is quiet sends the newest held-back progress then")
    func throttleFlushWhileQuiet() async throws {
        try await with(try await Harness(scenario: "paused")) { h async throws in
            let watcher = h.watcher
            let channel = ChannelConfig(name: "ops", type: .webhook, url: "http://127.0.0.1:1/")
            watcher.router = RuleEngine(
                rules: [RuleConfig(name: "p", on: ["job.progress"], to: ["ops"], throttle: .seconds(1))],
                channels: [channel], renderer: Renderer(templates: TemplateSet()))
            let id = try await h.submit()
            #expect(try await watcher.watch(job: id) == .completed)
            let progress = await h.sink.events.filter { $0.type == .progress }
            let queued = Dictionary(
                try await h.store.deliveries(jobId: id).map { ($0.delivery.eventId, $0) }, uniquingKeysWith: { a, _ in a })
            // Stretches longer than the window with no progress: the pause, and the end of the build.
            let quiet = zip(progress, progress.dropFirst()).filter { $1.occurredAt.timeIntervalSince($0.occurredAt) > 1.5 }
            #expect(!quiet.isEmpty)
            var flushedAtClose = 0
            for (last, next) in quiet {
                let d = try #require(queued[last.id], "the newest progress before a quiet stretch was not sent")
                #expect(d.nextAt < next.occurredAt, "it was queued when its window closed, not when the next progress came")
                if d.nextAt.timeIntervalSince(last.occurredAt) >= 0.5 { flushedAtClose += 1 }
            }
            #expect(flushedAtClose > 0, "no held-back progress was released at a window's close")
        }
    }

    @Test("unknown job: 404 for the grace period (on the hand-moved clock), then watch.error not_found at its end; exit 3")
    func notFound() async throws {
        try await with(try await Harness(grace: .seconds(30))) { h async throws in
            let start = h.clock.now()
            let outcome = try await h.watcher.watch(job: "no-such-job")
            #expect(outcome == .unwatchable(kind: "not_found"))
            let waited = h.clock.now().timeIntervalSince(start)
            #expect(waited >= 30 && waited < 30.5, "gives up when the grace ends, not a backoff step later: \(waited) s")
            let events = await h.sink.events
            #expect(events.count == 1 && events[0].type == .watchError)
            #expect(events[0].data["kind"] == .string("not_found") && events[0].data["http_status"] == .int(404))
        }
    }

    @Test("a refused key ends the watch at once with watch.error unauthorized")
    func unauthorized() async throws {
        try await with(try await Harness(clientKey: "wrong-key")) { h async throws in
            #expect(try await h.watcher.watch(job: "anything") == .unwatchable(kind: "unauthorized"))
            let events = await h.sink.events
            #expect(events.map(\.type) == [.watchError] && events[0].data["http_status"] == .int(401))
            #expect(!events[0].json.serialized().contains("wrong-key"))
            #expect(h.clock.sleeps.isEmpty)
        }
    }

    @Test("an unreachable API is retried with growing backoff, then given up on past the budget")
    func unreachable() async throws {
        let closed = try RefusingPort()
        defer { withExtendedLifetime(closed) {} }  // the port stays refused (and ours) to the end
        try await with(try await Harness(baseURL: "http://127.0.0.1:\(closed.port)", giveUp: .seconds(60))) { h async throws in
            #expect(try await h.watcher.watch(job: "j") == .unwatchable(kind: "unreachable"))
            let sleeps = h.clock.sleeps
            #expect(sleeps.count >= 5)
            #expect(zip(sleeps, sleeps.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(sleeps.allSatisfy { $0 <= .seconds(5) })
            #expect(await h.sink.events.last?.data["kind"] == .string("unreachable"))
        }
    }

    @Test("a Retry-After of years waits at most max_poll_interval between polls, and the give-up budget still runs")
    func retryAfterCeiling() async throws {
        let server = try RawHTTPServer(RawHTTPServer.status(429, headers: ["Retry-After: 999999999"]))
        defer { server.close() }
        try await with(try await Harness(baseURL: "http://127.0.0.1:\(server.port)", giveUp: .seconds(60))) { h async throws in
            let start = h.clock.now()
            #expect(try await h.watcher.watch(job: "j") == .unwatchable(kind: "rate_limited"))
            #expect(h.clock.sleeps.allSatisfy { $0 <= .seconds(5) }, "\(h.clock.sleeps)")
            #expect(h.clock.sleeps.count >= 12)
            let took = h.clock.now().timeIntervalSince(start)
            #expect(took >= 60 && took <= 66, "gave up after \(took) s")
        }
    }

    @Test(
        "the give-up budget and the 404 grace are intervals: a wall clock set back over and over does not stretch them",
        .timeLimit(.minutes(1)))
    func clockJumps() async throws {
        let closed = try RefusingPort()
        defer { withExtendedLifetime(closed) {} }
        try await with(try await Harness(baseURL: "http://127.0.0.1:\(closed.port)", giveUp: .seconds(60), wallJumpPerSleep: -3600)) {
            h async throws in
            let start = h.clock.uptime()
            #expect(try await h.watcher.watch(job: "j") == .unwatchable(kind: "unreachable"))
            let took = h.clock.uptime() - start
            #expect(took >= .seconds(60) && took < .seconds(70), "\(took)")
            #expect(h.clock.now() < Date(timeIntervalSince1970: 1_800_000_000), "the wall clock did go back")

            try await with(try await Harness(grace: .seconds(30), wallJumpPerSleep: -3600)) { lost async throws in
                let before = lost.clock.uptime()
                #expect(try await lost.watcher.watch(job: "no-such-job") == .unwatchable(kind: "not_found"))
                #expect(lost.clock.uptime() - before < .seconds(40))
            }
        }
    }

    @Test("a running watcher takes new jobs and stops, keeps going while idle, and reports each watch's end", .timeLimit(.minutes(1)))
    func controlWhileRunning() async throws {
        try await with(try await Harness()) { h async throws in
            let (ends, endsIn) = AsyncStream<(String, WatchOutcome?)>.makeStream()
            let control = WatchControl { id, result in endsIn.yield((id, try? result.get())) }
            let watcher = h.watcher
            let running = Task { await watcher.run(control: control) }
            var endings = ends.makeAsyncIterator()

            let a = try await h.submit()
            control.add(jobId: a, labels: ["owner": "ana"])
            control.add(jobId: a)  // twice: still one watch
            let first = await endings.next()
            #expect(first?.0 == a && first?.1 == .completed)
            #expect(await h.sink.events.filter { $0.jobId == a }.first?.labels == ["owner": "ana"])

            // Idle now, and still running: a paused build is added, then stopped mid-way.
            let b = try await h.submit("paused")
            control.add(jobId: b)
            await h.sink.wait { events in events.filter { $0.jobId == b }.count >= 2 }
            control.stop(jobId: b)
            let second = await endings.next()
            #expect(second?.0 == b && second?.1 == .interrupted)
            let seenOfB = await h.sink.events.filter { $0.jobId == b }.count
            #expect(!(await h.sink.events.contains { $0.jobId == b && $0.type == .terminal }), "a stopped job is polled no more")

            let c = try await h.submit("failed")
            control.add(jobId: c)
            let third = await endings.next()
            #expect(third?.0 == c && third?.1 == .failed)
            #expect(await h.sink.events.filter { $0.jobId == b }.count == seenOfB)
            running.cancel()
            await running.value
            let events = await h.sink.events
            for job in [a, c] {
                let mine = events.filter { $0.jobId == job }
                #expect(mine.map(\.sequence) == Array(1...mine.count))
            }
        }
    }

    @Test("several jobs at once over one transport, each to its own end")
    func severalJobs() async throws {
        try await with(try await Harness()) { h async throws in
            let a = try await h.submit("normal"), b = try await h.submit("failed"), c = try await h.submit("cancelled")
            let outcomes = try await h.watcher.watch(jobs: [a, b, c])
            #expect(outcomes == [a: .completed, b: .failed, c: .cancelled])
            #expect(WatchOutcome.worst(Array(outcomes.values)).exitCode == 1)
            let events = await h.sink.events
            for job in [a, b, c] {
                let mine = events.filter { $0.jobId == job }
                #expect(mine.map(\.sequence) == Array(1...mine.count))
            }
        }
    }

    @Test("a restart on the same state file announces nothing again, and re-emits what was stored but not written")
    func restart() async throws {
        let path = temporaryPath("state.sqlite")
        try await with(try await Harness(storePath: path)) { h async throws in
            let id = try await h.submit()
            #expect(try await h.watcher.watch(job: id) == .completed)
            let first = await h.sink.events

            // Same state file, a new process's worth of objects: nothing new, no poll needed.
            try await with(try await Harness(storePath: path)) { again async throws in
                #expect(try await again.watcher.watch(job: id) == .completed)
                #expect(await again.sink.events.isEmpty)

                // An event committed but never written out (a crash in between) comes out on the next run.
                let store = try SQLiteStore(path: path)
                let job = try #require(try await store.job(id))
                let extra = Differ.watchError(previous: job.state, jobId: id, kind: "test", httpStatus: nil, message: "m", at: Date())
                _ = try await store.commit(jobId: id, state: extra.state, labels: [:], events: extra.events, at: Date())
                try await with(try await Harness(storePath: path)) { third async throws in
                    _ = try await third.watcher.watch(job: id)
                    #expect(await third.sink.events.map(\.id) == extra.events.map(\.id))
                    #expect(!first.map(\.id).contains(extra.events[0].id))
                }
            }
        }
    }

    @Test("labels travel with every event of the watch")
    func labels() async throws {
        try await with(try await Harness()) { h async throws in
            _ = try await h.watcher.watch(job: try await h.submit(), labels: ["owner": "ana@example.com"])
            let events = await h.sink.events
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0.labels == ["owner": "ana@example.com"] })
        }
    }
}
