import Foundation
import GRDB
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchSQLite
@testable import TamwatchSigning
@testable import TamwatchStore
@testable import TamwatchTesting

/// The dispatcher against real loopback HTTP servers, a real SQLite outbox and a hand-moved clock:
/// the dispatcher's timer is the only thing that sleeps, so time jumps straight to each retry.
@Suite("Dispatcher and the webhook channel", .timeLimit(.minutes(5)))
struct DispatcherTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    final class Rig: Sendable {
        let store: SQLiteStore
        let clock: ManualClock
        let transport = CurlTransport()
        let server: RawHTTPServer

        /// `autoAdvance: false`: the dispatcher's timers wait until the test moves the clock.
        init(_ behaviour: RawHTTPServer.Behaviour, autoAdvance: Bool = true) throws {
            clock = ManualClock(autoAdvance: autoAdvance)
            store = try SQLiteStore(path: temporaryPath("outbox.sqlite"))
            server = try RawHTTPServer(behaviour)
        }

        func channel(
            _ name: String = "hook", url: String? = nil, retry: [Duration] = [.seconds(5), .seconds(60)],
            configure: (inout ChannelConfig) -> Void = { _ in }
        ) -> ChannelConfig {
            var c = ChannelConfig(name: name, type: .webhook, url: url ?? "http://127.0.0.1:\(server.port)/hook")
            c.secrets = [DispatcherTests.secret]
            c.retry = retry
            c.timeout = .seconds(5)
            configure(&c)
            return c
        }

        /// Queues `count` deliveries to `channel`, one event each, as a watch would.
        @discardableResult
        func queue(_ count: Int, to channel: String = "hook", first: Int = 1) async throws -> [Delivery] {
            var events: [Event] = []
            var deliveries: [Delivery] = []
            for i in first..<(first + count) {
                let e = sampleEvent(.progress, at: Double(i), sequence: i)
                events.append(e)
                deliveries.append(
                    Delivery(
                        id: Delivery.makeID(eventId: e.id, channel: channel), eventId: e.id, jobId: e.jobId,
                        eventType: e.type, channel: channel, rule: "r",
                        message: RenderedMessage(body: e.json.serialized()), folded: 0, createdAt: e.occurredAt))
            }
            _ = try await store.commit(
                jobId: events[0].jobId, state: WatchState(lastProgressAt: clock.now()), labels: [:],
                events: events, deliveries: deliveries, at: clock.now())
            return deliveries
        }

        /// Exclusive by default, as a command holding the state file's lock runs it.
        func dispatcher(_ configs: [ChannelConfig], exclusive: Bool = true, batch: String? = nil) throws -> Dispatcher {
            let channels = try configs.map { try WebhookChannel(config: $0, transport: transport) }
            return Dispatcher(store: store, channels: channels, clock: clock, jitter: { 0.5 }, exclusive: exclusive, batch: batch)
        }

        /// A delivery's claim: its owner and until when (seconds since 1970).
        func claim(_ id: String) async throws -> (owner: String?, until: Double?) {
            try await store.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT claim_owner, claim_until FROM deliveries WHERE id = ?", arguments: [id])
                return (row?["claim_owner"], row?["claim_until"])
            }
        }

        /// Runs the dispatcher until `done` holds for the outbox, looking at it after each commit
        /// that changes it (real time bounds the wait: the far side is loopback I/O).
        func run(_ dispatcher: Dispatcher, until done: @escaping @Sendable ([StoredDelivery]) -> Bool) async throws -> [StoredDelivery] {
            let task = Task { try await dispatcher.run() }
            defer { task.cancel() }
            return try await outbox(until: done)
        }

        /// The outbox once `done` holds for it: woken by each commit that changes it.
        func outbox(timeout: Duration = .seconds(20), until done: @escaping @Sendable ([StoredDelivery]) -> Bool) async throws
            -> [StoredDelivery]
        {
            let store = self.store
            let watcher = Task { () -> [StoredDelivery]? in
                for try await all in store.deliveryUpdates() where done(all) { return all }
                return nil
            }
            let timer = Task {
                try await Task.sleep(for: timeout)
                watcher.cancel()
            }
            defer { timer.cancel() }
            if case .success(let found?) = await watcher.result { return found }
            let all = try await store.deliveries()
            if !done(all) { Issue.record("the outbox did not settle: \(all.map { "\($0.status) \($0.attempts) \($0.lastError ?? "")" })") }
            return all
        }

        /// Each request's headers, lower-cased names.
        func requestHeaders() -> [[String: String]] {
            server.requestTexts.map { text in
                var out: [String: String] = [:]
                let head = text.components(separatedBy: "\r\n\r\n")[0]
                for line in head.components(separatedBy: "\r\n").dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    out[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return out
            }
        }

        func requestBody(_ i: Int) -> [UInt8] {
            let text = server.requestTexts[i]
            guard let r = text.range(of: "\r\n\r\n") else { return [] }
            return Array(text[r.upperBound...].utf8)
        }
    }

    static func allSettled(_ all: [StoredDelivery]) -> Bool { all.allSatisfy { $0.status != .pending } }

    @Test("503 then 200: retried on the schedule with the same webhook-id, this attempt's timestamp, a valid signature")
    func retryThenSuccess() async throws {
        let rig = try Rig(.script { $0 == 0 ? RawHTTPServer.status(503) : RawHTTPServer.status(200) })
        let queued = try await rig.queue(1)
        let start = rig.clock.now()
        let all = try await rig.run(try rig.dispatcher([rig.channel()]), until: Self.allSettled)

        let d = try #require(all.first)
        #expect(d.status == .sent)
        #expect(d.attempts == 2)
        #expect(d.lastStatus == 200)
        let headers = rig.requestHeaders()
        #expect(headers.count == 2)
        #expect(headers.map { $0["webhook-id"] } == [queued[0].eventId, queued[0].eventId])
        let stamps = headers.compactMap { $0["webhook-timestamp"].flatMap(Int.init) }
        #expect(
            stamps == [Int(start.timeIntervalSince1970), Int(start.timeIntervalSince1970) + 5],
            "5 s from the schedule, jitter drawn at the middle")
        let verifier = try StandardWebhookVerifier(secrets: [Self.secret], tolerance: 10)
        for (i, h) in headers.enumerated() {
            let at = Date(timeIntervalSince1970: Double(stamps[i]))
            #expect(throws: Never.self) { try verifier.verify(headers: { h[$0] }, body: rig.requestBody(i), now: at) }
        }
        #expect(headers[0]["webhook-signature"] != headers[1]["webhook-signature"], "a new timestamp is a new signature")
        #expect(rig.requestBody(0) == rig.requestBody(1), "every attempt sends the same bytes")
        #expect(headers[0]["content-type"] == "application/json")
    }

    /// Three deliveries to one channel (one at a time) whose first answer is `status` with
    /// `Retry-After: 120`, then 204s: the seconds after the start at which each request went.
    func secondsOfRequests(firstAnswer status: Int) async throws -> [Int] {
        let rig = try Rig(.script { $0 == 0 ? RawHTTPServer.status(status, headers: ["Retry-After: 120"]) : RawHTTPServer.status(204) })
        try await rig.queue(3)
        let start = Int(rig.clock.now().timeIntervalSince1970)
        let all = try await rig.run(try rig.dispatcher([rig.channel { $0.concurrency = 1 }]), until: Self.allSettled)
        #expect(all.allSatisfy { $0.status == .sent })
        return rig.requestHeaders().compactMap { $0["webhook-timestamp"].flatMap(Int.init) }.map { $0 - start }
    }

    @Test("Retry-After is a floor, and a 429 pauses the whole channel")
    func retryAfterPausesChannel() async throws {
        let stamps = try await secondsOfRequests(firstAnswer: 429)
        #expect(stamps.count == 4)
        #expect(stamps.dropFirst().allSatisfy { $0 >= 120 }, "nothing went to the channel during the pause: \(stamps)")
    }

    @Test("a Retry-After on a 500 delays that delivery only: a channel-wide pause comes from 429 or 503")
    func retryAfterOn500DoesNotPause() async throws {
        let stamps = try await secondsOfRequests(firstAnswer: 500)
        #expect(stamps.count == 4)
        let start = 0
        #expect(stamps.filter { $0 < start + 120 }.count == 3, "the other two went at once: \(stamps)")
        #expect(stamps.filter { $0 >= start + 120 }.count == 1, "the refused one waited for its Retry-After: \(stamps)")
    }

    @Test("other 4xx are dead at once, unless listed in retry_statuses")
    func deadOn4xx() async throws {
        let rig = try Rig(.script { $0 == 0 ? RawHTTPServer.status(404) : RawHTTPServer.status(400) })
        try await rig.queue(1)
        let retried = try await rig.run(try rig.dispatcher([rig.channel { $0.retryStatuses = [404] }]), until: Self.allSettled)
        #expect(retried.first?.status == .dead)
        #expect(retried.first?.attempts == 2, "404 was retried, then 400 was final")
        #expect(retried.first?.lastStatus == 400)
        #expect(retried.first?.lastError?.contains("HTTP 400") == true)
    }

    @Test("a schedule used up leaves the delivery dead, with how many attempts failed")
    func scheduleExhausted() async throws {
        let rig = try Rig(RawHTTPServer.status(503))
        try await rig.queue(1)
        let all = try await rig.run(try rig.dispatcher([rig.channel(retry: [.seconds(1), .seconds(2)])]), until: Self.allSettled)
        #expect(all.first?.status == .dead)
        #expect(all.first?.attempts == 3)
        #expect(all.first?.lastError == "gave up after 3 failed attempts: HTTP 503")
    }

    @Test("no answer at all (a dropped connection) is retried")
    func droppedConnection() async throws {
        let rig = try Rig(.script { $0 < 2 ? .hangUp : RawHTTPServer.status(200) })
        try await rig.queue(1)
        let all = try await rig.run(try rig.dispatcher([rig.channel()]), until: Self.allSettled)
        #expect(all.first?.status == .sent)
        #expect(rig.server.requests >= 3)
    }

    @Test("410 disables the channel and dead-letters its queue; a new URL enables it; replay sends the dead")
    func goneDisablesChannel() async throws {
        let rig = try Rig(RawHTTPServer.status(410))
        try await rig.queue(3)
        let config = rig.channel { $0.concurrency = 1 }
        let all = try await rig.run(try rig.dispatcher([config]), until: Self.allSettled)
        #expect(all.allSatisfy { $0.status == .dead })
        #expect(rig.server.requests == 1, "after the 410 nothing more was sent")
        #expect(all.filter { $0.lastError?.hasPrefix("channel disabled: HTTP 410") == true }.count == 2)
        #expect(try await rig.store.disabledChannels()["hook"]?.fingerprint == config.fingerprint)

        // Still disabled: new deliveries for the same URL are dead-lettered without a request.
        try await rig.queue(1, first: 10)
        _ = try await rig.run(try rig.dispatcher([config]), until: Self.allSettled)
        #expect(rig.server.requests == 1)

        // The receiver moved: a new URL enables the channel; replay queues the dead ones again.
        let fixed = try RawHTTPServer(RawHTTPServer.status(200))
        let moved = rig.channel(url: "http://127.0.0.1:\(fixed.port)/hook") { $0.concurrency = 1 }
        _ = try await rig.store.requeue(ids: try await rig.store.deliveries(status: .dead).map(\.id), at: rig.clock.now())
        let after = try await rig.run(try rig.dispatcher([moved]), until: Self.allSettled)
        #expect(after.count == 4)
        #expect(after.allSatisfy { $0.status == .sent })
        #expect(try await rig.store.disabledChannels().isEmpty)
    }

    @Test("the rate limit spaces deliveries out; the concurrency cap holds")
    func rateAndConcurrency() async throws {
        let rig = try Rig(RawHTTPServer.status(200))
        try await rig.queue(4)
        let start = Int(rig.clock.now().timeIntervalSince1970)
        _ = try await rig.run(
            try rig.dispatcher([rig.channel { $0.rateLimit = RateLimit(count: 1, per: .seconds(2)) }]), until: Self.allSettled)
        // Sorted: with the hand-moved clock, two attempts can be in flight at once and arrive swapped.
        let stamps = rig.requestHeaders().compactMap { $0["webhook-timestamp"].flatMap(Int.init) }.sorted()
        #expect(stamps == [start, start + 2, start + 4, start + 6])

        let slow = try Rig(.after(milliseconds: 50, RawHTTPServer.status(200)))
        try await slow.queue(12)
        let all = try await slow.run(try slow.dispatcher([slow.channel { $0.concurrency = 3 }]), until: Self.allSettled)
        #expect(all.allSatisfy { $0.status == .sent })
        #expect(slow.server.mostConcurrent <= 3)
        #expect(slow.server.mostConcurrent >= 2, "deliveries do go out side by side")
    }

    @Test("an ordered channel sends each job's deliveries one at a time, in sequence, through a slow answer and a failing one")
    func orderedDelivery() async throws {
        // The first answer is slow, the second a 503 (retried), the rest quick and uneven.
        let rig = try Rig(
            .script { n in
                switch n {
                case 0: return .after(milliseconds: 200, RawHTTPServer.status(200))
                case 1: return RawHTTPServer.status(503)
                default: return .after(milliseconds: (n * 7) % 30, RawHTTPServer.status(200))
                }
            })
        try await rig.queue(6)
        let config = rig.channel {
            $0.concurrency = 4
            $0.ordered = true
        }
        let all = try await rig.run(try rig.dispatcher([config]), until: Self.allSettled)
        #expect(all.allSatisfy { $0.status == .sent })
        #expect(rig.server.mostConcurrent == 1, "one in flight for the job, though the channel allows four")
        let sequences = (0..<rig.server.requests).map { i in
            (try? JSONValue.parse(String(decoding: rig.requestBody(i), as: UTF8.self)))?["sequence"]?.intValue
        }
        #expect(sequences == [1, 2, 2, 3, 4, 5, 6], "in order; the failed one again before any later one")
    }

    @Test("claims of a process that died mid-send are taken back by the next holder of the lock; a sent delivery is never sent again")
    func staleClaims() async throws {
        let rig = try Rig(RawHTTPServer.status(200))
        let queued = try await rig.queue(2)
        // A process that no longer exists claimed both (it was killed mid-send); the lease still runs.
        let dead = ClaimLease(owner: "a-killed-process", duration: 3600)
        let claimed = try await rig.store.exchange(records: [], claims: [("hook", 2)], now: rig.clock.now(), lease: dead)
        #expect(claimed.claimed["hook"]?.count == 2)
        let all = try await rig.run(try rig.dispatcher([rig.channel()]), until: { $0.allSatisfy { $0.status == .sent } })
        #expect(all.count == 2)
        #expect(Set(rig.requestHeaders().compactMap { $0["webhook-id"] }) == Set(queued.map(\.eventId)))

        // Restart: nothing pending, nothing sent again.
        let before = rig.server.requests
        _ = try await rig.run(try rig.dispatcher([rig.channel()]), until: Self.allSettled)
        #expect(rig.server.requests == before)
    }

    @Test("deliveries are stored with their events, once: re-storing an event queues nothing new")
    func outboxInTheEventTransaction() async throws {
        let rig = try Rig(RawHTTPServer.status(200))
        let first = try await rig.queue(2)
        try await rig.queue(2)
        let stored = try await rig.store.deliveries()
        #expect(stored.map(\.id) == first.map(\.id))
        #expect(stored.allSatisfy { $0.status == .pending && $0.attempts == 0 })
        #expect(try await rig.store.pending(jobIds: [first[0].jobId], channels: ["hook"]).count == 2)
        #expect(try await rig.store.pending(jobIds: [first[0].jobId], channels: ["other"]).count == 0)
    }

    @Test("extra headers from the config; several secrets sign twice, one space apart")
    func headersAndRotation() throws {
        let transport = CurlTransport()
        var config = ChannelConfig(name: "hook", type: .webhook, url: "http://127.0.0.1:1/")
        config.secrets = [Self.secret, "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()]
        config.headers = [HTTPHeader("x-team", "ops")]
        let channel = try WebhookChannel(config: config, transport: transport)
        let e = sampleEvent(.terminal)
        let d = Delivery(
            id: "dlv_x", eventId: e.id, jobId: e.jobId, eventType: e.type, channel: "hook", rule: "r",
            message: RenderedMessage(body: "{}"), folded: 2, createdAt: e.occurredAt)
        let request = channel.request(for: d, now: Date(timeIntervalSince1970: 1_800_000_000))
        let headers = Dictionary(request.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["x-team"] == "ops")
        #expect(headers["tamwatch-folded"] == "2")
        #expect(headers["webhook-timestamp"] == "1800000000")
        let signatures = try #require(headers["webhook-signature"]).split(separator: " ", omittingEmptySubsequences: false)
        #expect(signatures.count == 2)
        #expect(signatures.allSatisfy { $0.hasPrefix("v1,") })
        let old = try StandardWebhookVerifier(secrets: [Self.secret], tolerance: 1e12)
        #expect(throws: Never.self) {
            try old.verify(headers: { headers[$0] }, body: Array("{}".utf8), now: Date(timeIntervalSince1970: 1_800_000_000))
        }
    }

    @Test("claims are leases: a live one is left alone, an expired one is taken back by anyone, and a sender renews its own")
    func leases() async throws {
        let rig = try Rig(RawHTTPServer.status(200))
        let queued = try await rig.queue(2)
        let other = ClaimLease(owner: "another-process", duration: 60)
        // Another process claims the older one; the newer one is free.
        _ = try await rig.store.exchange(records: [], claims: [("hook", 1)], now: rig.clock.now(), lease: other)
        let dispatcher = try rig.dispatcher([rig.channel()], exclusive: false)
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        func status(_ i: Int) async throws -> StoredDelivery.Status? {
            try await rig.store.deliveries().first { $0.id == queued[i].id }?.status
        }
        let ids = queued.map(\.id)
        _ = try await rig.outbox { $0.first { $0.id == ids[1] }?.status == .sent }
        // The dispatcher has looked and sent the free one; the live claim it left alone.
        #expect(try await status(1) == .sent)
        #expect(try await status(0) == .pending && rig.server.requests == 1)
        #expect(try await rig.claim(queued[0].id).owner == "another-process")
        // Its lease runs out (the process died): the next look takes the delivery and sends it.
        rig.clock.advance(.seconds(61))
        dispatcher.wake()
        _ = try await rig.outbox { $0.first { $0.id == ids[0] }?.status == .sent }
        #expect(try await status(0) == .sent)
        #expect(rig.server.requests == 2)
        #expect(try await rig.claim(queued[0].id).owner == nil, "the claim is dropped with the record")
    }

    @Test("a claim is renewed while its attempt runs, and an attempt under a lost claim is not recorded")
    func renewal() async throws {
        // The answer waits until the renewal was seen: the attempt is still running when the
        // dispatcher looks, however slow the machine.
        let gate = RawHTTPServer.Gate()
        defer { gate.open() }
        let rig = try Rig(.gated(gate, RawHTTPServer.status(200)))
        let queued = try await rig.queue(1)
        // A 30 s timeout: libcurl's, in real time, far longer than the test needs the answer held.
        let dispatcher = try rig.dispatcher([rig.channel { $0.timeout = .seconds(30) }])
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        // claim_until is not in what the outbox observation reads: these two waits observe it.
        let id = queued[0].id
        let claimUntil = rig.store.updates { db in
            try Double.fetchOne(db, sql: "SELECT claim_until FROM deliveries WHERE id = ?", arguments: [id])
        }
        let claimedUntil = try #require(try await first("the delivery is claimed", of: claimUntil) { $0 != nil })
        // A third of the lease (30 s timeout + 30 s) later, the attempt is still running: renewed.
        rig.clock.advance(.seconds(21))
        dispatcher.wake()
        let renewed = try #require(
            try await first(
                "the claim is renewed",
                of: rig.store.updates { db in
                    try Double.fetchOne(db, sql: "SELECT claim_until FROM deliveries WHERE id = ?", arguments: [id])
                }
            ) { ($0 ?? 0) > claimedUntil })
        #expect(renewed >= claimedUntil + 21)

        gate.open()
        // A record made under someone else's claim changes nothing: the owner's own record stands.
        let stranger = AttemptRecord(id: queued[0].id, result: .dead, at: rig.clock.now(), failures: 1, httpStatus: 500, error: "x")
        try await rig.store.record([stranger], owner: "not-the-owner")
        let done = try #require(try await rig.outbox { $0.first?.status == .sent }.first)
        #expect(
            done.status == .sent && done.attempts == 1 && done.lastError == nil, "\(done.status) \(done.attempts) \(done.lastError ?? "")")
    }

    @Test(
        "a replay batch: the dispatcher sends those deliveries, retries included, waits for and lists them, and leaves every other pending one alone"
    )
    func replayBatch() async throws {
        let rig = try Rig(.script { $0 == 0 ? RawHTTPServer.status(503) : RawHTTPServer.status(200) })
        let queued = try await rig.queue(3)
        let named = [queued[1].id]
        #expect(try await rig.store.requeue(ids: named, at: rig.clock.now(), batch: "replay-1") == named)
        #expect(try await rig.store.pending(jobIds: nil, batch: "replay-1", channels: ["hook"]).count == 1)
        let all = try await rig.run(try rig.dispatcher([rig.channel()], batch: "replay-1")) {
            $0.first { $0.id == named[0] }?.status == .sent
        }
        #expect(try await rig.store.pending(jobIds: nil, batch: "replay-1", channels: ["hook"]).count == 0, "what the drain waits for")
        #expect(all.filter { $0.status == .sent }.map(\.id) == named)
        #expect(all.first { $0.id == named[0] }?.attempts == 2, "its retry fell due and went out")
        #expect(all.filter { $0.status == .pending }.count == 2, "the others wait for their own time")
        #expect(rig.server.requests == 2)
        #expect(try await rig.store.deliveries(batch: "replay-1").map(\.id) == named)
    }

    @Test("a drain returns at once when nothing left can fall due before its deadline, saying what is pending")
    func drainReturnsEarly() async throws {
        struct DrainWaited: Error {}
        let rig = try Rig(RawHTTPServer.status(503), autoAdvance: false)
        try await rig.queue(1)
        let dispatcher = try rig.dispatcher([rig.channel(retry: [.seconds(3600)])])
        let task = Task { try await dispatcher.run() }
        _ = try await rig.outbox { $0.first?.attempts == 1 }
        task.cancel()
        _ = await task.result
        // The retry is an hour away, the drain's deadline 20 s: were it to wait, it would sleep
        // on this clock, which the second child notices.
        let sleeps = rig.clock.sleeps.count
        let left = try await withThrowingTaskGroup(of: PendingSummary.self) { group in
            group.addTask { try await dispatcher.drain(jobIds: nil, timeout: .seconds(20)) }
            group.addTask {
                try await rig.clock.sleeping(sleeps + 1)
                throw DrainWaited()
            }
            defer { group.cancelAll() }
            return try #require(try await group.next())
        }
        #expect(left.count == 1)
        #expect(left.nextAt.map { $0.timeIntervalSince(rig.clock.now()) > 3000 } == true, "\(String(describing: left.nextAt))")
    }

    @Test("replay's selection: a unique id prefix, an ambiguous or unknown one refused and said which, every dead one of a job")
    func replaySelection() async throws {
        let rig = try Rig(RawHTTPServer.status(200))
        let queued = try await rig.queue(3)
        let one = try await Replay.select(
            ids: [String(queued[1].id.prefix(10))], dead: false, pending: false, jobId: nil, channel: nil, store: rig.store)
        #expect(one.map(\.id) == [queued[1].id])
        await #expect(throws: Replay.NoMatch(prefix: "", ambiguous: true)) {
            try await Replay.select(ids: [""], dead: false, pending: false, jobId: nil, channel: nil, store: rig.store)
        }
        await #expect(throws: Replay.NoMatch(prefix: "nothing-like-it", ambiguous: false)) {
            try await Replay.select(ids: ["nothing-like-it"], dead: false, pending: false, jobId: nil, channel: nil, store: rig.store)
        }
        let pending = try await Replay.select(
            ids: [], dead: false, pending: true, jobId: queued[0].jobId, channel: "hook", store: rig.store)
        #expect(pending.map(\.id) == queued.map(\.id), "oldest first")
        #expect(try await Replay.select(ids: [], dead: true, pending: false, jobId: nil, channel: nil, store: rig.store).isEmpty)
    }

    @Test("a row this version cannot read is dead-lettered with the reason, not left falling due")
    func unreadableRow() async throws {
        let rig = try Rig(RawHTTPServer.status(200))
        let queued = try await rig.queue(1)
        try await rig.store.write { db in
            try db.execute(sql: "UPDATE deliveries SET event_type = 'job.from_the_future' WHERE id = ?", arguments: [queued[0].id])
        }
        let dispatcher = try rig.dispatcher([rig.channel()])
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        let row = try await first(
            "the unreadable row is dead-lettered",
            of: rig.store.updates { db in
                try Row.fetchOne(db, sql: "SELECT status, last_error FROM deliveries").map {
                    ($0["status"] as String?, $0["last_error"] as String?)
                }
            }
        ) { $0?.0 == "dead" }
        let (status, error) = (row?.0, row?.1)
        #expect(status == "dead")
        #expect(error?.contains("unknown event type 'job.from_the_future'") == true, "\(error ?? "")")
        #expect(rig.server.requests == 0)
    }

    @Test("a channel pause is an interval: a wall clock set forward an hour does not end it early")
    func pauseSurvivesClockJump() async throws {
        let rig = try Rig(
            .script { $0 == 0 ? RawHTTPServer.status(429, headers: ["Retry-After: 120"]) : RawHTTPServer.status(204) },
            autoAdvance: false)
        let free = try RawHTTPServer(RawHTTPServer.status(204))
        defer { free.close() }
        let queued = try await rig.queue(1)
        let dispatcher = try rig.dispatcher([rig.channel(), rig.channel("other", url: "http://127.0.0.1:\(free.port)/")])
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        _ = try await rig.outbox { $0.first?.attempts == 1 }
        // An hour passes on the wall clock only (someone set it): the 429's retry is due by the
        // wall, but the channel's pause runs on the monotonic clock.
        rig.clock.jumpWall(by: 3600)
        try await rig.queue(1, to: "other", first: 2)
        dispatcher.wake()
        _ = try await rig.outbox { $0.contains { $0.delivery.channel == "other" && $0.status == .sent } }
        #expect(free.requests == 1, "the dispatcher looked (the other channel got its delivery)")
        #expect(rig.server.requests == 1, "the paused channel sent nothing while paused")
        // Two minutes of real time: the pause is over.
        rig.clock.advance(.seconds(121))
        let id = queued[0].id
        _ = try await rig.outbox { $0.first { $0.id == id }?.status == .sent }
        #expect(rig.server.requests == 2)
    }

    @Test("a reload's channels: a changed URL is used from the next attempt; a removed channel's queue is dead-lettered with why")
    func replacedChannels() async throws {
        let rig = try Rig(RawHTTPServer.status(200))
        // Both channels first point at a port that refuses: their deliveries wait for a retry.
        let refused = try RefusingPort()
        let dispatcher = try rig.dispatcher([
            rig.channel("kept", url: "http://127.0.0.1:\(refused.port)/x"), rig.channel("gone", url: "http://127.0.0.1:\(refused.port)/x"),
        ])
        try await rig.queue(2, to: "kept")
        try await rig.queue(2, to: "gone", first: 10)
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        _ = try await rig.outbox { all in all.count == 4 && all.allSatisfy { $0.attempts == 1 } }

        // The reload: "kept" now points at the server that answers; "gone" is no more.
        let kept = try WebhookChannel(config: rig.channel("kept"), transport: rig.transport)
        dispatcher.replace(channels: [kept])
        rig.clock.advance(.seconds(10))
        let settled = try await rig.outbox { all in all.allSatisfy { $0.status != .pending } }
        let byChannel = Dictionary(grouping: settled, by: \.delivery.channel)
        #expect(byChannel["kept"]?.allSatisfy { $0.status == .sent } == true, "\(settled)")
        #expect(
            byChannel["gone"]?.allSatisfy {
                $0.status == .dead && $0.lastError?.hasSuffix("channel removed from the configuration") == true
            } == true, "\(byChannel["gone"] ?? [])")
        #expect(dispatcher.channelNames == ["kept"])
    }
}
