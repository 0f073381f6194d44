import Foundation
import Logging
import Testing

@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchPostgres
@testable import TamwatchSQLite
@testable import TamwatchStore
@testable import TamwatchTesting

/// The store implementations the conformance tests hold to the same rules: the SQLite state
/// file, and PostgreSQL (a database of its own per test on the tests' throwaway server).
enum StoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    case postgres

    var description: String { rawValue }

    func make() async throws -> any StateStore {
        switch self {
        case .sqlite: return try SQLiteStore(path: temporaryPath("state.sqlite"))
        case .postgres:
            var logger = Logger(label: "test.postgres")
            logger.logLevel = .critical
            return try await PostgresStore(location: PostgresLocation(url: PostgresServer.database()), logger: logger)
        }
    }
}

/// What the watcher, the dispatcher and the commands rely on from a store, through the
/// `EventLog` and `Outbox` protocols alone.
@Suite("Store conformance (every implementation)", .timeLimit(.minutes(5)))
struct StoreConformanceTests {
    static let job = "8a8e8a97-job-1"
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func delivery(_ n: Int, channel: String = "hook", event: Event? = nil, at second: Double = 0) -> Delivery {
        let e = event ?? sampleEvent(.progress, at: second, sequence: n)
        return Delivery(
            id: "dlv_\(channel)_\(n)", eventId: e.id, jobId: Self.job, eventType: e.type, channel: channel,
            rule: "r", message: RenderedMessage(body: #"{"n":\#(n)}"#), folded: 0,
            createdAt: Self.t0.addingTimeInterval(second))
    }

    /// Commits one event per delivery, each queuing its delivery.
    func queue(_ store: any StateStore, _ deliveries: [Delivery], sequence: Int = 1, jobId: String = job) async throws {
        var state = WatchState(lastProgressAt: Self.t0)
        state.sequence = sequence
        let events = deliveries.enumerated().map { i, d in sampleEvent(.progress, at: Double(i), sequence: sequence * 1000 + i) }
        let linked = zip(deliveries, events).map { d, e -> Delivery in
            var d = d
            d.eventId = e.id
            return d
        }
        _ = try await store.commit(
            jobId: jobId, state: state, labels: [:], events: events, deliveries: linked, flushed: [],
            throttle: nil, at: Self.t0)
    }

    func lease(_ owner: String = "a", _ seconds: TimeInterval = 60) -> ClaimLease { ClaimLease(owner: owner, duration: seconds) }

    func claim(
        _ store: any StateStore, _ channel: String = "hook", limit: Int = 10, at now: Date, lease: ClaimLease,
        batch: String? = nil
    ) async throws -> [String] {
        let turn = try await store.exchange(
            records: [], claims: [(channel, limit)], deadLetter: [], renew: [], now: now,
            lease: lease, batch: batch, limits: [:])
        return turn.claimed[channel]?.map(\.id) ?? []
    }

    @Test(
        "a commit stores state, labels and events once: the same event ids again are not new, and queue nothing twice",
        arguments: StoreKind.allCases)
    func commitOnce(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.job(Self.job) == nil)
        var state = WatchState(lastProgressAt: Self.t0)
        state.sequence = 2
        let events = [sampleEvent(.statusChanged, sequence: 1), sampleEvent(.bandCompleted, sequence: 2)]
        let d = delivery(1, event: events[1])
        let first = try await store.commit(
            jobId: Self.job, state: state, labels: ["owner": "ana"], events: events,
            deliveries: [d], flushed: [], throttle: nil, at: Self.t0)
        #expect(first.map(\.id) == events.map(\.id))
        let again = try await store.commit(
            jobId: Self.job, state: state, labels: ["owner": "ana"], events: events,
            deliveries: [d], flushed: [], throttle: nil, at: Self.t0)
        #expect(again.isEmpty, "an event id already stored is not new")
        let job = try #require(try await store.job(Self.job))
        #expect(job.state == state && job.labels == ["owner": "ana"])
        #expect(try await store.events(jobId: Self.job).map(\.id) == events.map(\.id))
        #expect(try await store.deliveries(status: nil, jobId: nil, channel: nil, limit: 100).map(\.id) == [d.id])
    }

    @Test("events stay pending until marked emitted, in sequence order", arguments: StoreKind.allCases)
    func pendingUntilEmitted(kind: StoreKind) async throws {
        let store = try await kind.make()
        let events = (1...4).reversed().map { sampleEvent(.progress, at: Double($0), sequence: $0) }
        _ = try await store.commit(
            jobId: Self.job, state: WatchState(lastProgressAt: Self.t0), labels: [:], events: events,
            deliveries: [], flushed: [], throttle: nil, at: Self.t0)
        #expect(try await store.pendingEvents(jobId: Self.job).map(\.sequence) == [1, 2, 3, 4])
        try await store.markEmitted([events[3].id, events[2].id])
        #expect(try await store.pendingEvents(jobId: Self.job).map(\.sequence) == [3, 4])
        #expect(try await store.events(jobId: Self.job).count == 4)
    }

    @Test("a nil throttle keeps the stored one; flushed deliveries are queued without new events", arguments: StoreKind.allCases)
    func throttleAndFlush(kind: StoreKind) async throws {
        let store = try await kind.make()
        let held = sampleEvent(.progress, at: 5, sequence: 5)
        var throttle = ThrottleState()
        throttle.entries["r|hook"] = .init(lastQueued: Self.t0, held: 2, heldEvent: held)
        _ = try await store.commit(
            jobId: Self.job, state: WatchState(lastProgressAt: Self.t0), labels: [:], events: [],
            deliveries: [], flushed: [], throttle: throttle, at: Self.t0)
        _ = try await store.commit(
            jobId: Self.job, state: WatchState(lastProgressAt: Self.t0), labels: [:], events: [],
            deliveries: [], flushed: [delivery(9, event: held)], throttle: nil, at: Self.t0)
        #expect(try await store.job(Self.job)?.throttle == throttle)
        #expect(try await store.pending(jobIds: [Self.job], batch: nil, channels: ["hook"], countAll: true).count == 1)
    }

    @Test("claims: up to the limit, oldest first; another owner gets none until the lease runs out", arguments: StoreKind.allCases)
    func claims(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await queue(store, (1...5).map { delivery($0, at: Double($0)) })
        #expect(try await claim(store, limit: 3, at: Self.t0, lease: lease("a")) == ["dlv_hook_1", "dlv_hook_2", "dlv_hook_3"])
        #expect(try await claim(store, at: Self.t0, lease: lease("b")) == ["dlv_hook_4", "dlv_hook_5"])
        #expect(try await claim(store, at: Self.t0.addingTimeInterval(30), lease: lease("c")).isEmpty, "claims hold within the lease")
        // a renews two of its three; past the first lease only the third is taken back.
        _ = try await store.exchange(
            records: [], claims: [], deadLetter: [], renew: ["dlv_hook_1", "dlv_hook_2"],
            now: Self.t0.addingTimeInterval(50), lease: lease("a"), batch: nil, limits: [:])
        let taken = try await claim(store, at: Self.t0.addingTimeInterval(61), lease: lease("c"))
        #expect(taken.contains("dlv_hook_3") && !taken.contains("dlv_hook_1") && !taken.contains("dlv_hook_2"), "\(taken)")
    }

    @Test(
        "attempts: sent and dead are final, a retry is due again later, and only the claim's owner records",
        arguments: StoreKind.allCases)
    func attempts(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await queue(store, (1...4).map { delivery($0, at: Double($0)) })
        _ = try await claim(store, at: Self.t0, lease: lease("a"))
        let later = Self.t0.addingTimeInterval(120)
        try await store.record(
            [AttemptRecord(id: "dlv_hook_4", result: .sent, at: Self.t0, failures: 0, httpStatus: 204)], owner: "intruder")
        try await store.record(
            [
                AttemptRecord(id: "dlv_hook_1", result: .sent, at: Self.t0, failures: 0, httpStatus: 204),
                AttemptRecord(id: "dlv_hook_2", result: .retry(at: later), at: Self.t0, failures: 1, httpStatus: 503, error: "HTTP 503"),
                AttemptRecord(id: "dlv_hook_3", result: .dead, at: Self.t0, failures: 1, httpStatus: 400, error: "HTTP 400"),
            ], owner: "a")
        let all = Dictionary(
            uniqueKeysWithValues: try await store.deliveries(status: nil, jobId: nil, channel: nil, limit: 100).map { ($0.id, $0) })
        #expect(all["dlv_hook_1"]?.status == .sent && all["dlv_hook_1"]?.lastStatus == 204 && all["dlv_hook_1"]?.attempts == 1)
        #expect(all["dlv_hook_2"]?.status == .pending && all["dlv_hook_2"]?.nextAt == later && all["dlv_hook_2"]?.lastError == "HTTP 503")
        #expect(all["dlv_hook_3"]?.status == .dead)
        #expect(all["dlv_hook_4"]?.status == .pending && all["dlv_hook_4"]?.attempts == 0, "an attempt by someone else's claim is ignored")
        #expect(try await store.deliveries(status: .dead, jobId: nil, channel: nil, limit: 100).map(\.id) == ["dlv_hook_3"])
        // Released, 4 is claimable at once; 2 only when its retry falls due.
        try await store.releaseClaims(ids: ["dlv_hook_4"], owner: "a")
        #expect(try await claim(store, at: Self.t0.addingTimeInterval(1), lease: lease("b")) == ["dlv_hook_4"])
        try await store.record([AttemptRecord(id: "dlv_hook_4", result: .sent, at: Self.t0, failures: 0)], owner: "b")
        let turn = try await store.exchange(
            records: [], claims: [("hook", 10)], deadLetter: [], renew: [],
            now: Self.t0.addingTimeInterval(2), lease: lease("b"), batch: nil, limits: [:])
        #expect(turn.claimed["hook"]?.isEmpty == true && turn.nextDue == later)
        #expect(try await claim(store, at: later, lease: lease("b")) == ["dlv_hook_2"])
        #expect(try await store.releaseAllClaims() == 1)
        #expect(try await claim(store, at: later, lease: lease("c")) == ["dlv_hook_2"], "every claim given back")
    }

    @Test(
        "an ordered channel: one delivery per job at a time, in the order queued; a failing one holds the later ones until sent or dead; other jobs go on",
        arguments: StoreKind.allCases)
    func orderedChannel(kind: StoreKind) async throws {
        let store = try await kind.make()
        // Queued in one commit, at the same time: the order is the order queued.
        try await queue(store, (1...3).map { delivery($0, channel: "chat") })
        var other = delivery(9, channel: "chat")
        other.jobId = "job-2"
        try await queue(store, [other], sequence: 2, jobId: "job-2")
        func turn(_ owner: String, at now: Date) async throws -> (ids: [String], nextDue: Date?) {
            let turn = try await store.exchange(
                records: [], claims: [("chat", 10)], deadLetter: [], renew: [], now: now, lease: lease(owner), batch: nil,
                limits: [:], ordered: ["chat"])
            return (turn.claimed["chat"]?.map(\.id) ?? [], turn.nextDue)
        }
        #expect(try await turn("a", at: Self.t0).ids == ["dlv_chat_1", "dlv_chat_9"], "each job's first")
        #expect(try await turn("b", at: Self.t0).ids.isEmpty, "the later ones wait while the first is in flight")
        let retryAt = Self.t0.addingTimeInterval(30)
        try await store.record(
            [AttemptRecord(id: "dlv_chat_1", result: .retry(at: retryAt), at: Self.t0, failures: 1, error: "HTTP 503")], owner: "a")
        let held = try await turn("b", at: Self.t0)
        #expect(held.ids.isEmpty, "a failing one holds the later ones")
        #expect(held.nextDue == retryAt, "the next moment anything can go is the retry, not the held ones")
        #expect(try await turn("b", at: retryAt).ids == ["dlv_chat_1"])
        try await store.record([AttemptRecord(id: "dlv_chat_1", result: .dead, at: retryAt, failures: 2)], owner: "b")
        #expect(try await turn("b", at: retryAt).ids == ["dlv_chat_2"], "dead, it lets the next go")
        try await store.record([AttemptRecord(id: "dlv_chat_2", result: .sent, at: retryAt, failures: 0)], owner: "b")
        #expect(try await turn("b", at: retryAt).ids == ["dlv_chat_3"])
        try await store.record([AttemptRecord(id: "dlv_chat_3", result: .sent, at: retryAt, failures: 0)], owner: "b")
        try await store.record([AttemptRecord(id: "dlv_chat_9", result: .sent, at: retryAt, failures: 0)], owner: "a")

        // A final event flushes the progress a throttle held, in the same commit: the held one
        // (an older event) is queued first, so "completed" never arrives before "95 %".
        let terminal = sampleEvent(.terminal, at: 40, sequence: 50)
        var final = delivery(31, channel: "chat", event: terminal)
        final.jobId = "job-3"
        var throttled = delivery(30, channel: "chat")
        throttled.jobId = "job-3"
        _ = try await store.commit(
            jobId: "job-3", state: WatchState(lastProgressAt: Self.t0), labels: [:], events: [terminal], deliveries: [final],
            flushed: [throttled], throttle: nil, at: Self.t0)
        let later = Self.t0.addingTimeInterval(300)
        #expect(try await turn("c", at: later).ids == ["dlv_chat_30"], "the held progress goes first")
        try await store.record([AttemptRecord(id: "dlv_chat_30", result: .sent, at: later, failures: 0)], owner: "c")
        #expect(try await turn("c", at: later).ids == ["dlv_chat_31"])
    }

    @Test("a disabled channel dead-letters what it has queued until enabled", arguments: StoreKind.allCases)
    func disabledChannels(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await queue(store, [delivery(1, channel: "slack"), delivery(2, channel: "slack"), delivery(3, channel: "hook")])
        let off = DisabledChannel(channel: "slack", fingerprint: "f1", reason: "HTTP 410", since: Self.t0)
        #expect(try await store.disable(off) == 2)
        #expect(try await store.disabledChannels() == ["slack": off])
        #expect(try await store.deliveries(status: .dead, jobId: nil, channel: "slack", limit: 100).count == 2)
        try await store.enable(channels: ["slack"])
        #expect(try await store.disabledChannels().isEmpty)
        #expect(try await store.deliveries(status: .pending, jobId: Self.job, channel: nil, limit: 100).map(\.id) == ["dlv_hook_3"])
    }

    @Test(
        "replay: requeued deliveries form a batch that is claimed, counted and listed apart; a live claim is left alone",
        arguments: StoreKind.allCases)
    func replayBatch(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await queue(store, (1...4).map { delivery($0, at: Double($0)) })
        _ = try await claim(store, at: Self.t0, lease: lease("a"))
        try await store.record((1...3).map { AttemptRecord(id: "dlv_hook_\($0)", result: .dead, at: Self.t0, failures: 1) }, owner: "a")
        let now = Self.t0.addingTimeInterval(10)
        let queued = try await store.requeue(ids: ["dlv_hook_1", "dlv_hook_2", "dlv_hook_4"], at: now, batch: "replay-1")
        #expect(queued.sorted() == ["dlv_hook_1", "dlv_hook_2"], "dlv_hook_4 is being sent under a live claim")
        #expect(try await store.deliveries(batch: "replay-1").map(\.id) == ["dlv_hook_1", "dlv_hook_2"])
        #expect(try await store.pending(jobIds: nil, batch: "replay-1", channels: ["hook"], countAll: true).count == 2)
        #expect(try await claim(store, at: now, lease: lease("b"), batch: "replay-1") == ["dlv_hook_1", "dlv_hook_2"])
        #expect(try await store.deliveries(idPrefix: "dlv_hook_").count == 2, "a prefix lookup stops at two: enough to say ambiguous")
        #expect(try await store.deliveries(idPrefix: "dlv_hook_3").map(\.id) == ["dlv_hook_3"])
    }

    @Test(
        "pruning: only finished jobs' written-out events and settled deliveries before the cut-off, in batches, counted",
        arguments: StoreKind.allCases)
    func pruning(kind: StoreKind) async throws {
        let store = try await kind.make()
        // A finished job with 5 events written out and one still pending, and a running job.
        var finished = WatchState(lastProgressAt: Self.t0)
        finished.terminalAnnounced = true
        let done = (1...6).map { sampleEvent(.progress, at: Double($0), sequence: $0) }
        _ = try await store.commit(
            jobId: Self.job, state: finished, labels: [:], events: done, deliveries: [], flushed: [],
            throttle: nil, at: Self.t0)
        try await store.markEmitted(done.prefix(5).map(\.id))
        let running = Event(
            id: "evt_running", type: .progress, jobId: "job-running", sequence: 1, occurredAt: Self.t0,
            data: .object([]), job: .object([]), labels: [:])
        _ = try await store.commit(
            jobId: "job-running", state: WatchState(lastProgressAt: Self.t0), labels: [:], events: [running],
            deliveries: [], flushed: [], throttle: nil, at: Self.t0)
        try await store.markEmitted([running.id])
        // Deliveries: 3 sent, 2 dead, 1 pending.
        try await queue(store, (1...6).map { delivery($0, at: Double($0)) }, sequence: 7, jobId: "job-deliveries")
        _ = try await claim(store, at: Self.t0, lease: lease("a"))
        try await store.record(
            (1...3).map { AttemptRecord(id: "dlv_hook_\($0)", result: .sent, at: Self.t0, failures: 0) }
                + (4...5).map { AttemptRecord(id: "dlv_hook_\($0)", result: .dead, at: Self.t0, failures: 1) }, owner: "a")
        try await store.releaseClaims(ids: ["dlv_hook_6"], owner: "a")

        let now = Self.t0.addingTimeInterval(86400)
        #expect(
            try await store.prune(.retention(.seconds(2 * 86400), now: now), limit: 100, now: now) == PruneCounts(lastAt: now),
            "nothing is older than the retention yet")
        let counts = try await Pruner(store: store, batch: 2).prune(.retention(.seconds(3600), now: now), now: now)
        #expect(counts.events == 5 && counts.sent == 3 && counts.dead == 0, "\(counts)")
        let kept = Set(try await store.events(jobId: Self.job).map(\.id)).intersection(done.map(\.id))
        #expect(kept == [done[5].id], "the event not yet written out stays")
        #expect(try await store.events(jobId: "job-running").count == 1, "a running job's events stay")
        #expect(try await store.job(Self.job)?.state == finished, "the job's state stays: watching it again announces nothing")
        let left = try await store.deliveries(status: nil, jobId: nil, channel: nil, limit: 100)
        #expect(Set(left.map(\.id)) == ["dlv_hook_4", "dlv_hook_5", "dlv_hook_6"], "dead and pending deliveries stay")

        let dead = try await Pruner(store: store, batch: 1).prune(PruneRequest(deadBefore: now), now: now)
        #expect(dead == PruneCounts(dead: 2, lastAt: now))
        #expect(try await store.deliveries(status: nil, jobId: nil, channel: nil, limit: 100).map(\.id) == ["dlv_hook_6"])
        #expect(try await store.pruned() == PruneCounts(events: 5, sent: 3, dead: 2, lastAt: now))
    }
}
