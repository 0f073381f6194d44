import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

/// The backup and restore of docs/operations.md, with the commands it gives.
@Suite("Backup and restore, as the operations guide says", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct BackupRestoreTests {
    static let environment = ["OPENFUNNEL_API_KEY": SimulatorProcess.key]

    static func watch(_ job: String, sim: SimulatorProcess, state: String) throws -> ChildProcess {
        try ChildProcess(
            ["watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--output", "ndjson", "--no-progress", "--state", state],
            environment: environment)
    }

    static func events(_ lines: [String]) -> [(id: String, type: String)] {
        lines.compactMap { try? JSONValue.parse($0) }.compactMap { e in
            guard let id = e["id"]?.stringValue, let type = e["type"]?.stringValue else { return nil }
            return (id, type)
        }
    }

    @Test("SQLite: sqlite3 .backup while a watch runs; restored, the watch carries on under the ids it used, progress summed into one")
    func sqlite() async throws {
        let dir = temporaryDirectory()
        let state = dir.appendingPathComponent("tamwatch.sqlite").path
        let backup = dir.appendingPathComponent("backup.sqlite").path
        // 1 s a poll: the build is still running when the backup is taken, even on a busy machine.
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")

        let first = try Self.watch(job, sim: sim, state: state)
        try await first.waitFor { $0.count >= 4 }
        let copy = try ChildProcess(["sqlite3", state, ".backup '\(backup)'"], executable: "/usr/bin/env")
        #expect(try await copy.exitCode() == 0, "\(copy.stderr)")
        #expect(try await first.exitCode() == 0, "\(first.stderr)")
        let before = Self.events(first.stdoutLines)
        #expect(before.last?.type == "job.terminal")

        // Restored as the guide says: the copy in place, without the old -wal and -shm.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: state + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: state)
        let again = try Self.watch(job, sim: sim, state: state)
        #expect(try await again.exitCode() == 0, "\(again.stderr)")
        let after = Self.events(again.stdoutLines)
        let earlier = Set(before.map(\.id))
        #expect(!after.isEmpty && after.last?.id == before.last?.id, "the build's end, once more, under its id")
        // What happened after the backup is announced again under the same ids; only the running
        // count of progress comes as one new summary.
        #expect(after.filter { !earlier.contains($0.id) }.allSatisfy { $0.type == "job.progress" }, "\(after)")
        #expect(after.filter { $0.type != "job.progress" }.count >= 2)
        #expect(after.count < before.count, "the backup kept what came before it")
    }

    @Test("PostgreSQL: pg_dump while serve runs, pg_restore into an empty database: serve on it has every watch and event")
    func postgres() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { receiver.child.stop() }
        let (url, start) = try ReplicaTests.replicas(sim: sim, receiver: receiver)
        let http = CurlTransport()
        defer { http.shutdown() }

        let serve = try await start()
        defer { serve.child.stop() }
        let created = try await serve.call("POST", "/api/v1/builds", body: #"{"query": "neobanks worldwide"}"#, transport: http)
        let job = try #require(created.json?["job_id"]?.stringValue, "\(created.text)")
        _ = try await serve.until("/api/v1/watches/\(job)", transport: http) { $0.json?["active"]?.boolValue == false }
        let stored = try await serve.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: http)

        let dump = dir.appendingPathComponent("tamwatch.dump").path
        let dumped = try ChildProcess(["pg_dump", "--format=custom", "--file=\(dump)", url], executable: "/usr/bin/env")
        #expect(try await dumped.exitCode() == 0, "\(dumped.stderr)")
        await serve.child.stop()

        let restoredURL = try PostgresServer.database()
        let restored = try ChildProcess(["pg_restore", "--no-owner", "--dbname=\(restoredURL)", dump], executable: "/usr/bin/env")
        #expect(try await restored.exitCode() == 0, "\(restored.stderr)")
        for table in ["events", "deliveries", "watches", "jobs"] {
            #expect(
                try PostgresServer.query(restoredURL, "SELECT count(*) FROM \(table)")
                    == PostgresServer.query(url, "SELECT count(*) FROM \(table)"),
                "\(table)")
        }

        let config = dir.appendingPathComponent("restored.yaml")
        try "state: { url: \"${DB_URL}\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let back = try await ServeProcess.start(config: config.path, sim: sim, environment: ["DB_URL": restoredURL])
        defer { back.child.stop() }
        let watch = try await back.call("GET", "/api/v1/watches/\(job)", transport: http)
        #expect(
            watch.json?["status"]?.stringValue == "completed" && watch.json?["query"]?.stringValue == "neobanks worldwide", "\(watch.text)")
        let events = try await back.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: http)
        #expect(events.json?["data"] == stored.json?["data"] && !(stored.json?["data"]?.arrayItems.isEmpty ?? true))
    }
}
