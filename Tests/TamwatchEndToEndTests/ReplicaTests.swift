import Foundation
import Synchronization
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

@Suite("serve replicas on one PostgreSQL", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ReplicaTests {
    /// Starts replicas of `tamwatch serve` on one new database (its URL first), the simulator's
    /// builds, every event to a verifying webhook receiver (`channel`: more of its settings;
    /// `rules`: how many rules send every event to it); leases of 2 s, polls every 200 ms, a
    /// dead replica's claims taken back 2 s after the channel's timeout. `database`: its URL
    /// (default: a new database on the tests' shared server).
    static func replicas(
        sim: SimulatorProcess, receiver: PythonReceiver, channel: String = "", rules: Int = 1, changes: Changes = Changes(),
        database: String? = nil
    ) throws -> (url: String, start: @Sendable () async throws -> ServeProcess) {
        let url = try database ?? PostgresServer.database()
        let config = temporaryDirectory().appendingPathComponent("tamwatch.yaml")
        try """
        state: { url: "${DB_URL}" }
        channels:
          pipeline: { type: webhook, url: "\(receiver.url)", secret: "${E2E_WEBHOOK_SECRET}", retry: [200ms, 400ms], timeout: 2s\(channel) }
        rules:
        \((1...rules).map { "  - { name: all-\($0), on: [\"*\"], to: [pipeline] }" }.joined(separator: "\n"))
        """.write(to: config, atomically: true, encoding: .utf8)
        return (
            url,
            {
                try await ServeProcess.start(
                    config: config.path, sim: sim, extra: ["--lease-ttl", "2s", "--poll-interval", "200ms", "--claim-grace", "2s"],
                    environment: ["DB_URL": url], changes: changes)
            }
        )
    }

    /// Waits until the receiver acknowledged every one of `events`; returns what it got.
    static func received(_ events: [String], by receiver: PythonReceiver, timeout: Duration = .seconds(60)) async throws
        -> [PythonReceiver.Entry]
    {
        let wanted = Set(events)
        let acknowledged: @Sendable ([PythonReceiver.Entry]) -> [PythonReceiver.Entry] = { $0.filter { $0.answer == "200" } }
        // Past the timeout, what came so far: the caller's expectations say what is missing.
        if let all = try? await receiver.entries(
            timeout: timeout, until: { Set(acknowledged($0).compactMap(\.eventID)).isSuperset(of: wanted) })
        {
            return acknowledged(all)
        }
        return acknowledged(try receiver.entries())
    }

    /// Every watch's events, through one replica: checked to be 1..n in sequence, each band
    /// once, one terminal event; returns their ids.
    static func storedEvents(_ jobs: [String], via s: ServeProcess, transport: CurlTransport) async throws -> [String] {
        var stored: [String] = []
        for job in jobs {
            let page = try await s.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: transport)
            guard case .array(let events)? = page.json?["data"] else {
                Issue.record("no events for \(job): \(page.text.prefix(200))")
                continue
            }
            #expect(
                events.map { $0["sequence"]?.intValue ?? 0 } == Array(1...events.count),
                "job \(job): sequences 1..n, none missing or doubled")
            let bands = events.filter { $0["type"]?.stringValue == "job.band_completed" }.compactMap { $0["data"]?["band"]?.intValue }
            #expect(bands == [1, 2, 3, 4, 5, 6], "job \(job): each band once: \(bands)")
            #expect(events.filter { $0["type"]?.stringValue == "job.terminal" }.count == 1)
            stored += events.compactMap { $0["id"]?.stringValue }
        }
        return stored
    }

    /// Waits until every one of the watches is completed, as one replica lists them.
    static func completed(_ count: Int, via s: ServeProcess, transport: CurlTransport) async throws -> Bool {
        let listed = try await s.until("/api/v1/watches?limit=100", transport: transport, timeout: .seconds(120)) { answer in
            guard case .array(let rows)? = answer.json?["data"] else { return false }
            return rows.count == count && rows.allSatisfy { $0["status"]?.stringValue == "completed" }
        }
        guard case .array(let rows)? = listed.json?["data"] else { return false }
        return rows.count == count && rows.allSatisfy { $0["status"]?.stringValue == "completed" }
    }

    @Test(
        "three replicas share thirty builds; the one holding builds is SIGKILLed mid-way: the others take them over; every event stored once, in sequence, received, acknowledged"
    )
    func takeover() async throws {
        // Builds of about 125 polls (25 s): all still running once the thirty are registered.
        let world = try await ReplicaWorld.start(step: "1s")
        defer { world.stop() }
        let (sim, receiver) = (world.sim, world.receiver)
        // Every replica's output wakes the waits below: a lease keeper says what it holds
        // whenever that changes, after its metrics say so.
        let heard = Changes()
        let (url, replica) = try Self.replicas(sim: sim, receiver: receiver, changes: heard)
        var servers: [ServeProcess] = []
        defer { servers.forEach { $0.child.stop() } }
        for _ in 0..<3 { servers.append(try await replica()) }
        let transport = CurlTransport()
        defer { transport.shutdown() }

        // Registered through every replica in turn: any of them answers for all.
        let jobs = try await world.builds(30, through: servers, transport: transport)
        // Every replica holds its share (10 of 30) before one of them dies.
        let fleet = servers
        let seen = Mutex<[[String: Double]]>([])
        try? await eventually("the watches spread evenly", on: heard, timeout: .seconds(30)) {
            var now: [[String: Double]] = []
            for s in fleet { now.append(try await s.metrics(transport: transport)) }
            seen.withLock { $0 = now }
            return now.allSatisfy {
                $0["tamwatch_watches_held"] == 10 && $0["tamwatch_replicas_live"] == 3 && $0["tamwatch_shared_watches_active"] == 30
            }
        }
        let spread = seen.withLock { $0 }
        #expect(
            spread.map { $0["tamwatch_watches_held"] } == [10, 10, 10] && spread.allSatisfy { $0["tamwatch_shared_watches_active"] == 30 },
            "the watches were spread evenly: \(spread.map { ($0["tamwatch_watches_held"] ?? -1, $0["tamwatch_replicas_live"] ?? -1) })")
        let victim = servers[0].child.pid
        try await servers[0].child.sigkill()
        let survivor = servers[1]
        // Its active watches are the survivors' once its leases (2 s) and its place in the census
        // run out; each survivor says so as it takes them.
        func orphans() throws -> Int {
            Int(try PostgresServer.query(url, "SELECT COUNT(*) FROM watches WHERE active AND owner LIKE '%/\(victim)/%'").first ?? "") ?? -1
        }
        try? await eventually("the survivors took every watch over", on: heard, timeout: .seconds(20)) { try orphans() == 0 }
        // (How soon is a benchmark's question: `tamwatch-bench replicas-takeover` measures it.)
        #expect(try orphans() == 0, "taken over within 20 s")

        #expect(try await Self.completed(30, via: survivor, transport: transport), "the survivors finish every build")
        let stored = try await Self.storedEvents(jobs, via: survivor, transport: transport)
        #expect(Set(stored).count == stored.count)

        // Every stored event reaches the receiver; a delivery cut off by the kill may come once
        // more, under the same webhook-id (once its claim runs out).
        let received = try await Self.received(stored, by: receiver)
        #expect(Set(received.compactMap(\.eventID)) == Set(stored))
        for (event, arrivals) in Dictionary(grouping: received, by: { $0.eventID ?? "" }) {
            #expect(arrivals.count <= 2 && Set(arrivals.map(\.id)).count == 1, "event \(event): \(arrivals.count) arrivals")
        }
        #expect(received.allSatisfy { $0.libraryOK && $0.stdlibOK })
        // Every delivery acknowledged: nothing left pending or dead in the shared outbox.
        func none(_ answer: ServeProcess.Answer) -> Bool {
            if case .array(let rows)? = answer.json?["data"] { return rows.isEmpty }
            return false
        }
        for status in ["pending", "dead"] {
            let left = try await survivor.until("/api/v1/deliveries?status=\(status)&limit=10", transport: transport, none)
            #expect(none(left), "\(status): \(left.text.prefix(300))")
        }
    }

    @Test(
        "a replica stopped (SIGSTOP) past its lease, then continued: the other took its builds; it stores and announces nothing more of them"
    )
    func pausedReplicaIsFenced() async throws {
        let world = try await ReplicaWorld.start()
        defer { world.stop() }
        let (sim, receiver) = (world.sim, world.receiver)
        let replica = try Self.replicas(sim: sim, receiver: receiver).start
        let a = try await replica()
        defer {
            kill(a.child.pid, SIGCONT)
            a.child.stop()
        }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        // A alone takes every build.
        let jobs = try await world.builds(3, through: [a], transport: transport)
        _ = try await a.until("/api/v1/watches?limit=50", transport: transport) { answer in
            guard case .array(let rows)? = answer.json?["data"] else { return false }
            return rows.count == 3 && rows.allSatisfy { $0["status"]?.stringValue == "running" }
        }
        kill(a.child.pid, SIGSTOP)
        let b = try await replica()
        defer { b.child.stop() }
        // B takes them once A's leases run out, and finishes them while A is stopped.
        _ = try await b.until("/api/v1/watches?limit=50", transport: transport, timeout: .seconds(90)) { answer in
            guard case .array(let rows)? = answer.json?["data"] else { return false }
            return rows.count == 3 && rows.allSatisfy { $0["status"]?.stringValue == "completed" }
        }
        kill(a.child.pid, SIGCONT)
        // A wakes with polls in flight: its watchdog sees the leases ran out and stops them, or
        // their commits are refused first; either way its keeper lets the watches go.
        try await a.child.waitForStderr(timeout: .seconds(30)) {
            $0.contains("another replica holds its watch now") || $0.contains("their leases run out before they can be renewed")
        }

        let stored = try await Self.storedEvents(jobs, via: b, transport: transport)
        let received = try await Self.received(stored, by: receiver)
        #expect(Set(received.compactMap(\.eventID)) == Set(stored), "every stored event received, and nothing else")
        for (event, arrivals) in Dictionary(grouping: received, by: { $0.eventID ?? "" }) {
            #expect(Set(arrivals.map(\.id)).count == 1, "event \(event) announced under two ids")
        }
    }
}
