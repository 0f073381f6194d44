import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

/// The shared outbox and the replicas' wake-ups, with real `serve` processes on one database.
@Suite("serve replicas: the shared outbox and wake-ups", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ReplicaDeliveryTests {
    @Test("a replica killed while sending a delivery: another sends it once more, under the same webhook-id, once its claim runs out")
    func killedMidSend() async throws {
        // The first request is held 8 s (past the channel's 2 s timeout): the replica is killed
        // while it waits for the answer.
        let world = try await ReplicaWorld.start(plan: "slow:8000")
        defer { world.stop() }
        let (sim, receiver) = (world.sim, world.receiver)
        let replica = try ReplicaTests.replicas(sim: sim, receiver: receiver).start
        let a = try await replica()
        defer { a.child.stop() }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let job = try #require(try await world.builds(1, through: [a], transport: transport).first)
        let first = try #require(try await receiver.entries(timeout: .seconds(30)) { !$0.isEmpty }.first)
        try await a.child.sigkill()

        let b = try await replica()
        defer { b.child.stop() }
        #expect(try await ReplicaTests.completed(1, via: b, transport: transport))
        let stored = try await ReplicaTests.storedEvents([job], via: b, transport: transport)
        let received = try await ReplicaTests.received(stored, by: receiver)
        let all = try receiver.entries()
        let again = all.filter { $0.eventID == first.eventID }
        #expect(again.count == 2 && Set(again.map(\.id)) == [first.id], "sent once more, same webhook-id: \(again.map(\.n))")
        #expect(again.last?.answer == "200")
        #expect(Set(received.compactMap(\.eventID)) == Set(stored))
        for (event, arrivals) in Dictionary(grouping: all, by: { $0.eventID ?? "" }) {
            #expect(arrivals.count <= 2 && Set(arrivals.map(\.id)).count == 1, "event \(event): \(arrivals.count) arrivals")
        }
    }

    @Test(
        "the listeners' connections killed with pg_terminate_backend: they reconnect, and one replica's event stream still carries every event the other stores"
    )
    func listenerReconnects() async throws {
        let world = try await ReplicaWorld.start()
        defer { world.stop() }
        let (sim, receiver) = (world.sim, world.receiver)
        let (url, replica) = try ReplicaTests.replicas(sim: sim, receiver: receiver)
        let a = try await replica()
        defer { a.child.stop() }
        let b = try await replica()
        defer { b.child.stop() }
        let listeners = "FROM pg_stat_activity WHERE application_name = 'tamwatch listener' AND datname = current_database()"
        func count() throws -> Int { Int(try PostgresServer.query(url, "SELECT COUNT(*) \(listeners)").first ?? "") ?? -1 }
        // Each replica says when it listens: its connection is there by then.
        for s in [a, b] {
            try await s.child.waitForStderr(timeout: .seconds(20)) { $0.contains("listening for the other replicas' changes") }
        }
        #expect(try count() == 2, "one listener per replica")
        let killed = try PostgresServer.query(url, "SELECT pg_terminate_backend(pid) \(listeners)")

        #expect(killed == ["t", "t"])
        for s in [a, b] {
            try await s.child.waitForStderr(timeout: .seconds(20)) { $0.contains("listening for the other replicas' changes again") }
        }
        #expect(s(a).contains("lost the connection that hears the other replicas' changes"))
        #expect(try count() == 2, "both listen again")

        // A's stream, from the start, while B (registered there) may hold the builds.
        let stream = try SSEClient(port: a.port, path: "/api/v1/events")
        defer { stream.close() }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let jobs = try await world.builds(4, through: [b], transport: transport)
        #expect(try await ReplicaTests.completed(4, via: a, transport: transport))
        let stored = try await ReplicaTests.storedEvents(jobs, via: a, transport: transport)
        #expect(await stream.wait(timeout: .seconds(30)) { $0.events.count >= stored.count })
        let streamed = stream.events.compactMap { (try? JSONValue.parse($0.data))?["id"]?.stringValue }
        #expect(streamed.sorted() == stored.sorted(), "every event once on the other replica's stream")
        for job in jobs {
            let sequences = stream.events.compactMap { message -> Int? in
                let json = try? JSONValue.parse(message.data)
                return json?["job_id"]?.stringValue == job ? json?["sequence"]?.intValue : nil
            }
            #expect(sequences == Array(1...max(1, sequences.count)), "job \(job): in commit order")
        }
        // Resumed on the other replica from a cursor A sent: the rest, in the same order.
        let cursors = stream.events.compactMap(\.id)
        try #require(cursors.count > 5)
        let resumed = try SSEClient(port: b.port, path: "/api/v1/events", headers: ["Last-Event-ID: \(cursors[4])"])
        defer { resumed.close() }
        #expect(await resumed.wait { $0.events.count >= cursors.count - 5 })
        #expect(resumed.events.compactMap(\.id) == Array(cursors.dropFirst(5)), "resumed on B where A left off")
        let received = try await ReplicaTests.received(stored, by: receiver)
        #expect(Set(received.compactMap(\.eventID)) == Set(stored))
    }

    func s(_ server: ServeProcess) -> String { server.child.stderr }

    @Test("a channel's rate limit holds across three replicas together: its deliveries are spread as one bucket allows")
    func globalRateLimit() async throws {
        let world = try await ReplicaWorld.start()
        defer { world.stop() }
        let (sim, receiver) = (world.sim, world.receiver)
        let replica = try ReplicaTests.replicas(sim: sim, receiver: receiver, channel: ", rate_limit: 10/s, concurrency: 2").start
        var servers: [ServeProcess] = []
        defer { servers.forEach { $0.child.stop() } }
        for _ in 0..<3 { servers.append(try await replica()) }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        // Four builds, spread over the replicas: their events come faster than 10 a second.
        let jobs = try await world.builds(4, through: servers, transport: transport)
        #expect(try await ReplicaTests.completed(4, via: servers[1], transport: transport))
        let expected = try await ReplicaTests.storedEvents(jobs, via: servers[1], transport: transport).count
        let entries = try await receiver.entries(timeout: .seconds(90)) { $0.count >= expected }
        #expect(entries.count == expected && Set(entries.compactMap(\.id)).count == expected, "each delivery once")
        let times = entries.map(\.at).sorted()
        guard let firstAt = times.first, let lastAt = times.last else { return }
        // One bucket of 10 (full at the start, 10 more a second): n sends take at least (n - 10) / 10
        // seconds. Three buckets (one per replica) would take a third of that.
        let least = Double(expected - 10) / 10
        #expect(lastAt - firstAt >= least - 0.5, "\(expected) deliveries in \(lastAt - firstAt) s; one bucket needs \(least) s")
        // Nor a burst past the bucket: within any second, at most 10 held plus 10 refilled (+2 for timing).
        for (i, t) in times.enumerated() {
            let window = times[i...].prefix { $0 < t + 1 }.count
            #expect(window <= 22, "\(window) deliveries within a second from \(t - firstAt) s")
            if window > 22 { break }
        }
    }
}
