import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

/// The state on a small filesystem that fills up mid-build (Tests/tools/full_disk.sh, in a
/// mount namespace of its own, so no mount outlives the test).
@Suite("A full disk, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct FullDiskTests {
    static let script = ServePageTests.root.appendingPathComponent("Tests/tools/full_disk.sh").path

    @Test(
        "the disk fills after 1, 5 or 15 events: watch exits 74 naming it; once space is back the same command carries on, every sequence number printed, none skipped, a repeat only of the same event",
        arguments: [1, 5, 15])
    func fillsUp(after: Int) async throws {
        // 1 s a poll: the build lasts long enough that the disk fills in its middle.
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")
        let folder = temporaryDirectory()
        let run = try ChildProcess(
            ["unshare", "--mount", "--propagation", "private", Self.script, ChildProcess.binary, sim.url, job, "\(after)", folder.path],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key], executable: "/usr/bin/env")
        #expect(try await run.exitCode(timeout: .seconds(150)) == 0, "\(run.stderr)")
        #expect(run.stdoutLines.last == "exits 74 0", "\(run.stdoutLines) \(run.stderr)")
        func read(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }
        let firstErrors = try read("run1.err")
        #expect(firstErrors.contains("database or disk is full"), "\(firstErrors)")

        func events(_ name: String) throws -> [Event] {
            try read(name).split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.compactMap(Event.init(json:))
        }
        let first = try events("run1.out")
        let second = try events("run2.out")
        #expect(first.count >= after)
        #expect(second.last?.type == .terminal)
        var byID: [String: Event] = [:]
        for e in first + second {
            if let earlier = byID[e.id] { #expect(earlier == e, "an id seen twice is the same event") }
            byID[e.id] = e
        }
        let sequences = Set(byID.values.map(\.sequence))
        #expect(sequences == Set(1...(sequences.max() ?? 0)), "skipped: \(Set(1...(sequences.max() ?? 0)).subtracting(sequences).sorted())")
        #expect(
            Set(byID.values.filter { $0.sequence <= first.count }.map(\.id)) == Set(first.map(\.id)),
            "the first run's events kept their ids")
    }
}

/// `tamwatch serve` with its state on a 4 MB tmpfs in a mount namespace of its own; the test
/// fills and frees that disk from inside the namespace (`nsenter`).
@Suite("serve on a full disk", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ServeFullDiskTests {
    @Test(
        "a full disk: not ready, writes answer 503 (no build submitted), reads answer; space back: ready, and the interrupted watch carries on by itself, nothing skipped"
    )
    func fullDisk() async throws {
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let dir = temporaryDirectory()
        let disk = dir.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try "state: { path: \"\(disk.path)/state.sqlite\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let serveArgs = ([ChildProcess.binary] + ServeProcess.arguments(config: config.path, apiURL: sim.url)).map { "'\($0)'" }
            .joined(separator: " ")
        let child = try ChildProcess(
            [
                "unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=4m tmpfs '\(disk.path)' && exec \(serveArgs)",
            ],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key], executable: "/usr/bin/env")
        defer { child.stop() }
        let serve = try await ServeProcess.attach(child)
        let http = CurlTransport()
        defer { http.shutdown() }
        func inside(_ command: [String]) async throws -> Int32 {
            try await ChildProcess(["nsenter", "--mount", "--target", "\(child.pid)"] + command, executable: "/usr/bin/env").exitCode()
        }

        let created = try await serve.call("POST", "/api/v1/builds", body: #"{"query": "a"}"#, transport: http)
        let job = try #require(created.json?["job_id"]?.stringValue, "\(created.text)")
        _ = try await serve.until("/api/v1/watches/\(job)/events", transport: http) { ($0.json?["data"]?.arrayItems.count ?? 0) >= 3 }

        #expect(try await inside(["dd", "if=/dev/zero", "of=\(disk.path)/fill", "bs=16k"]) != 0, "the disk filled up")
        let ready = try await serve.call("GET", "/-/ready", transport: http)
        #expect(ready.status == 503 && ready.text.contains("database or disk is full"), "\(ready.text)")
        let refused = try await serve.call("POST", "/api/v1/builds", body: #"{"query": "b"}"#, transport: http)
        #expect(refused.status == 503 && refused.header("retry-after") == "30", "\(refused.text)")
        #expect(child.stderr.components(separatedBy: "submitted a build to OpenFunnel").count == 2, "the second build was never submitted")
        #expect(try await serve.call("GET", "/api/v1/watches", transport: http).status == 200)
        // The watch's next commit fails (its turn ends) before space comes back.
        try await child.waitForStderr(timeout: .seconds(30)) { $0.contains("job \(job): the state store failed") }

        #expect(try await inside(["rm", "\(disk.path)/fill"]) == 0)
        #expect(try await serve.call("GET", "/-/ready", transport: http).status == 200)
        let done = try await serve.until("/api/v1/watches/\(job)", transport: http, timeout: .seconds(90)) {
            $0.json?["active"]?.boolValue == false
        }
        #expect(done.json?["status"]?.stringValue == "completed", "\(done.text)")
        let events = try await serve.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: http)
        let sequences = events.json?["data"]?.arrayItems.compactMap { $0["sequence"]?.intValue } ?? []
        #expect(!sequences.isEmpty && sequences == Array(1...sequences.count), "\(sequences)")
        #expect(events.json?["data"]?.arrayItems.last?["type"]?.stringValue == "job.terminal")
    }
}
