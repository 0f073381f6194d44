import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

@Suite("serve replicas on one PostgreSQL", .serialized)
struct ReplicaTests {
    /// Starts replicas of `tamwatch serve` on one new database, the simulator's builds, every
    /// event to a verifying webhook receiver; leases of 2 s, polls every 200 ms.
    static func replicas(sim: SimulatorProcess, receiver: PythonReceiver) throws -> @Sendable () async throws -> ServeProcess {
        let url = try PostgresServer.database()
        let config = temporaryDirectory().appendingPathComponent("tamwatch.yaml")
        try """
        state: { url: "${DB_URL}" }
        channels:
          pipeline: { type: webhook, url: "\(receiver.url)", secret: "${E2E_WEBHOOK_SECRET}", retry: [200ms, 400ms], timeout: 2s }
        rules:
          - { name: all, on: ["*"], to: [pipeline] }
        """.write(to: config, atomically: true, encoding: .utf8)
        return {
            try await ServeProcess.start(
                config: config.path, sim: sim, extra: ["--lease-ttl", "2s", "--poll-interval", "200ms"], environment: ["DB_URL": url])
        }
    }

    @Test(
        "two replicas share six builds; one is SIGKILLed mid-way: the other takes its builds over within the lease time; every event stored once, in sequence, and received"
    )
    func takeover() async throws {
        let (sim, receiver) = (
            try await SimulatorProcess.start(),
            try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: temporaryDirectory())
        )
        defer {
            sim.child.stop()
            receiver.child.stop()
        }
        let replica = try Self.replicas(sim: sim, receiver: receiver)
        let a = try await replica()
        defer { a.child.stop() }
        let b = try await replica()
        defer { b.child.stop() }
        let transport = CurlTransport()
        defer { transport.shutdown() }

        var jobs: [String] = []
        for _ in 0..<6 {
            let job = try await sim.submit("normal")
            let answer = try await a.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(job)"}"#, transport: transport)
            #expect(answer.status == 201, "\(answer.text)")
            jobs.append(job)
        }
        // Both replicas poll their share before one of them dies.
        func polls(_ s: ServeProcess) async throws -> Double {
            try await s.metrics(transport: transport).filter { $0.key.hasPrefix("tamwatch_polls_total") }.values.reduce(0, +)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        var (pa, pb) = (0.0, 0.0)
        while pa == 0 || pb == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            pa = try await polls(a)
            pb = try await polls(b)
        }
        #expect(pa > 0 && pb > 0, "the watches were spread over both replicas")
        try await a.child.sigkill()

        // The survivor finishes every build (within the lease time, the sweep and the builds' own time).
        let listed = try await b.until("/api/v1/watches?limit=50", transport: transport, timeout: .seconds(90)) { answer in
            guard case .array(let rows)? = answer.json?["data"] else { return false }
            return rows.count == 6 && rows.allSatisfy { $0["status"]?.stringValue == "completed" }
        }
        guard case .array(let rows)? = listed.json?["data"], rows.count == 6 else { return }

        var stored: [String] = []
        for job in jobs {
            let page = try await b.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: transport)
            guard case .array(let events)? = page.json?["data"] else {
                Issue.record("no events for \(job): \(page.text.prefix(200))")
                continue
            }
            #expect(
                events.map { $0["sequence"]?.intValue ?? 0 } == Array(1...events.count),
                "job \(job): sequences 1..n, none missing or doubled")
            let bands = events.filter { $0["type"]?.stringValue == "job.band_completed" }.compactMap { $0["data"]?["band"]?.intValue }
            #expect(bands == [1, 2, 3, 4, 5, 6], "job \(job): each band once: \(bands)")
            #expect(events.last?["type"]?.stringValue == "job.terminal")
            stored += events.compactMap { $0["id"]?.stringValue }
        }
        #expect(Set(stored).count == stored.count)

        // Every stored event reaches the receiver; a delivery cut off by the kill may come once
        // more, under the same webhook-id (after its claim runs out: the channel's timeout + 30 s).
        let until = ContinuousClock.now + .seconds(90)
        var received: [PythonReceiver.Entry] = []
        while ContinuousClock.now < until {
            received = try receiver.entries().filter { $0.answer == "200" }
            if Set(received.compactMap(\.eventID)).isSuperset(of: stored) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Set(received.compactMap(\.eventID)) == Set(stored))
        for (event, arrivals) in Dictionary(grouping: received, by: { $0.eventID ?? "" }) {
            #expect(arrivals.count <= 2 && Set(arrivals.map(\.id)).count == 1, "event \(event): \(arrivals.count) arrivals")
        }
        #expect(received.allSatisfy { $0.libraryOK && $0.stdlibOK })
    }

    @Test(
        "a replica stopped (SIGSTOP) past its lease, then continued: the other took its builds; it stores and announces nothing more of them"
    )
    func pausedReplicaIsFenced() async throws {
        let (sim, receiver) = (
            try await SimulatorProcess.start(),
            try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: temporaryDirectory())
        )
        defer {
            sim.child.stop()
            receiver.child.stop()
        }
        let replica = try Self.replicas(sim: sim, receiver: receiver)
        let a = try await replica()
        defer {
            kill(a.child.pid, SIGCONT)
            a.child.stop()
        }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        // A alone takes every build.
        var jobs: [String] = []
        for _ in 0..<3 {
            let job = try await sim.submit("normal")
            _ = try await a.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(job)"}"#, transport: transport)
            jobs.append(job)
        }
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
        // A wakes with polls in flight: their commits are refused, and its keeper lets the watches go.
        try await a.child.waitForStderr(timeout: .seconds(30)) { $0.contains("another replica holds its watch now") }

        var stored: [String] = []
        for job in jobs {
            let page = try await b.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: transport)
            guard case .array(let events)? = page.json?["data"] else { continue }
            #expect(events.map { $0["sequence"]?.intValue ?? 0 } == Array(1...events.count), "job \(job): 1..n")
            #expect(events.filter { $0["type"]?.stringValue == "job.terminal" }.count == 1)
            stored += events.compactMap { $0["id"]?.stringValue }
        }
        let until = ContinuousClock.now + .seconds(90)
        var received: [PythonReceiver.Entry] = []
        while ContinuousClock.now < until {
            received = try receiver.entries().filter { $0.answer == "200" }
            if Set(received.compactMap(\.eventID)).isSuperset(of: stored) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Set(received.compactMap(\.eventID)) == Set(stored), "every stored event received, and nothing else")
        for (event, arrivals) in Dictionary(grouping: received, by: { $0.eventID ?? "" }) {
            #expect(Set(arrivals.map(\.id)).count == 1, "event \(event) announced under two ids")
        }
    }
}
