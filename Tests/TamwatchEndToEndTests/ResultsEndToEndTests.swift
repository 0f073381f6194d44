import Crypto
import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

@Suite("Results and the credit guard, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ResultsEndToEndTests {
    static func events(_ watch: ChildProcess) throws -> [JSONValue] {
        try watch.stdoutLines.filter { $0.hasPrefix("{") }.map { try JSONValue.parse($0) }
    }

    static func sha256(_ path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map { String(format: "%02x", $0) }.joined()
    }

    @Test(
        "results: a completed build's list lands in results.dir, job.results_ready follows job.terminal; Slack lists the top 5; email attaches the CSV (or says where it is, past max_attachment)"
    )
    func completedBuildWithResults() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let slack = try await PythonReceiver.start(secret: nil, in: dir, then: "200=ok")
        defer { slack.child.stop() }
        let smtp = try await SMTPServerProcess.start(in: dir)
        defer { smtp.child.stop() }
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try """
        state: { path: state.sqlite }
        results: { dir: lists, format: csv }
        channels:
          ops: { type: slack, url: "\(slack.url)", rate_limit: 20/s }
          owner: { type: email, url: "smtp://127.0.0.1:\(smtp.port)", starttls: off, from: tam@example.com, to: [ana@example.com], attach: results }
          small: { type: email, url: "smtp://127.0.0.1:\(smtp.port)", starttls: off, from: tam@example.com, to: [bo@example.com], attach: results, max_attachment: 1KB }
        rules:
          - { name: done, on: [job.terminal], to: [ops] }
          - { name: list, on: [job.results_ready], to: [owner, small] }
        """.write(to: config, atomically: true, encoding: .utf8)
        let job = try await sim.submit("normal")
        let watch = try ChildProcess(
            [
                "watch", job, "--config", config.path, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress", "--output",
                "ndjson",
            ],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")

        // The terminal event first, never held back; then the export's event.
        let events = try Self.events(watch)
        let types = events.compactMap { $0["type"]?.stringValue }
        let terminal = try #require(types.firstIndex(of: "job.terminal"))
        #expect(types.last == "job.results_ready" && terminal == types.count - 2, "\(types)")
        let results = try #require(events.last?["data"]?["results"])
        let path = dir.appendingPathComponent("lists/\(job).csv").path
        #expect(results["path"]?.stringValue == path)
        #expect(results["format"]?.stringValue == "csv")
        #expect(results["rows"]?.intValue == 21815)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(results["bytes"]?.intValue == (attributes[.size] as? Int))
        #expect(results["sha256"]?.stringValue == (try Self.sha256(path)))
        #expect(!FileManager.default.fileExists(atPath: path + ".export.json"), "the checkpoint goes once the export is whole")

        // The file holds the simulator's rows, exactly.
        let expected = try await ExportTests.rows(job, sim: sim)
        let csv = try await ExportTests.csv(URL(fileURLWithPath: path))
        #expect(csv.count == expected.count + 1)
        #expect(Array(csv.dropFirst()) == expected.map(ExportTests.expectedCSV))

        // Slack: the terminal message names the five highest-ranked companies, in order.
        let body = try JSONValue.parse(try #require(try slack.entries().last { $0.answer == "200=ok" }).body)
        let text = body.serialized()
        var last = text.startIndex
        for row in expected.prefix(5) {
            let name = try #require(row["name"]?.stringValue)
            let found = try #require(text.range(of: name, range: last..<text.endIndex), "\(name) missing or out of order in \(text)")
            last = found.upperBound
            #expect(text.contains(try #require(row["domain"]?.stringValue)))
        }

        // Email: the CSV attached, base64, decoded equal to the file; past max_attachment, a note instead.
        let messages = try smtp.entries("message")
        let owner = try #require(messages.first { $0["rcpt_tos"] == .array([.string("ana@example.com")]) })
        let attachment = try #require(owner["attachments"]?[0])
        #expect(attachment["filename"]?.stringValue == "\(job).csv")
        #expect(attachment["content_type"]?.stringValue == "text/csv")
        #expect(attachment["encoding"]?.stringValue == "base64")
        let received = try Data(contentsOf: URL(fileURLWithPath: try #require(attachment["path"]?.stringValue)))
        #expect(received == (try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(owner["parts"]?[0]?.stringValue == "multipart/mixed")
        let ownerText = owner["texts"]?["text/plain"]?.stringValue ?? ""
        #expect(ownerText.contains("The whole list is attached: \(job).csv (21,815 rows, "), "\(owner)")
        #expect(!ownerText.contains(path), "no server path when the file is attached: \(ownerText)")
        let small = try #require(messages.first { $0["rcpt_tos"] == .array([.string("bo@example.com")]) })
        #expect(small["attachments"] == .array([]))
        #expect(small["texts"]?["text/plain"]?.stringValue?.contains("so it is not attached; it is at \(path)") == true, "\(small)")
    }

    @Test("guard: pause at guard.max_credits: the warning at warn_at, then budget_exceeded with OpenFunnel's answer, then paused")
    func guardPauses() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try """
        state: { path: state.sqlite }
        guard: { max_credits: 5000, warn_at: 0.5, action: pause }
        """.write(to: config, atomically: true, encoding: .utf8)
        let job = try await sim.submit("normal")
        let watch = try ChildProcess(
            [
                "watch", job, "--config", config.path, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress", "--output",
                "ndjson",
            ],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        defer { watch.stop() }
        // A paused build is watched on (slowly): stop once it is paused.
        try await watch.waitFor { lines in lines.contains { $0.contains(#""to":"paused""#) } }
        await watch.stop()
        _ = try await watch.exitCode()
        let events = try Self.events(watch)
        try Self.checkGuard(events, warnAt: 2500, max: 5000, action: "pause", answered: "pausing")
        let types = events.compactMap { $0["type"]?.stringValue }
        let exceeded = try #require(types.firstIndex(of: "job.budget_exceeded"))
        #expect(types[exceeded...].contains("job.status_changed"), "paused after the guard acted: \(types)")
        #expect(!types.contains("job.terminal"))
        #expect(watch.stderr.contains("asked OpenFunnel to pause it"), "\(watch.stderr)")
    }

    @Test("guard: --max-credits and --guard-action cancel on watch: the build is cancelled once, watch exits 2")
    func guardCancels() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")
        let watch = try ChildProcess(
            [
                "watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress", "--output", "ndjson",
                "--max-credits", "3000", "--guard-action", "cancel",
            ],
            // In a folder of its own: its state file is not another test's.
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key], directory: temporaryDirectory())
        #expect(try await watch.exitCode() == 2, "\(watch.stderr)")
        let events = try Self.events(watch)
        try Self.checkGuard(events, warnAt: 2400, max: 3000, action: "cancel", answered: "cancelling")
        #expect(events.last?["type"]?.stringValue == "job.terminal")
        #expect(events.last?["data"]?["status"]?.stringValue == "cancelled")
    }

    @Test("guard through the serve API: max_credits and guard_action on a watch cancel its build at the right processed, events in order")
    func guardThroughServe() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try "state: { path: state.sqlite }\n".write(to: config, atomically: true, encoding: .utf8)
        let serve = try await ServeProcess.start(config: config.path, sim: sim)
        defer { serve.child.stop() }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let job = try await sim.submit("normal")
        let created = try await serve.call(
            "POST", "/api/v1/watches", body: #"{"job_id": "\#(job)", "max_credits": 4000, "guard_action": "cancel"}"#, transport: transport)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json?["max_credits"]?.intValue == 4000 && created.json?["guard_action"]?.stringValue == "cancel")
        // The build's status is seen cancelled a moment before the watch ends (its last commit).
        let ended = try await serve.until("/api/v1/watches/\(job)", transport: transport) {
            $0.json?["status"]?.stringValue == "cancelled" && $0.json?["active"] == .bool(false)
        }
        #expect(ended.json?["status"]?.stringValue == "cancelled" && ended.json?["active"] == .bool(false), "\(ended.text)")
        let page = try await serve.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: transport)
        guard case .array(let events)? = page.json?["data"] else {
            Issue.record("no events: \(page.text.prefix(300))")
            return
        }
        try Self.checkGuard(events, warnAt: 3200, max: 4000, action: "cancel", answered: "cancelling")
    }

    /// One warning and one exceeded event, in that order, each at the first poll past its
    /// threshold (the progress before it was below), with sequences that go up by one.
    static func checkGuard(_ events: [JSONValue], warnAt: Int, max: Int, action: String, answered: String) throws {
        let types = events.compactMap { $0["type"]?.stringValue }
        #expect(types.filter { $0 == "job.budget_warning" }.count == 1, "\(types)")
        #expect(types.filter { $0 == "job.budget_exceeded" }.count == 1, "\(types)")
        let warning = try #require(types.firstIndex(of: "job.budget_warning"))
        let exceeded = try #require(types.firstIndex(of: "job.budget_exceeded"))
        #expect(warning < exceeded)
        #expect(events.map { $0["sequence"]?.intValue ?? 0 } == Array(1...events.count), "sequences 1..n")
        for (index, threshold) in [(warning, warnAt), (exceeded, max)] {
            let processed = try #require(events[index]["data"]?["processed"]?.intValue)
            #expect(processed >= threshold)
            let before = events[..<index].last {
                $0["type"]?.stringValue == "job.progress" && ($0["data"]?["processed"]?.intValue ?? 0) < processed
            }
            #expect((before?["data"]?["processed"]?.intValue ?? 0) < threshold, "acted at the first poll past \(threshold)")
            #expect(events[index]["data"]?["max_credits"]?.intValue == max)
        }
        let data = try #require(events[exceeded]["data"])
        #expect(data["action"]?.stringValue == action)
        #expect(data["action_result"]?["status"]?.stringValue == answered, "\(data)")
        #expect(data["action_result"]?["http_status"]?.intValue == 200, "\(data)")
        // Progress before the guard acted says what was left of the budget.
        let progress = events[..<exceeded].last { $0["type"]?.stringValue == "job.progress" }
        let processed = progress?["data"]?["processed"]?.intValue ?? 0
        #expect(progress?["data"]?["credits_left_in_budget"]?.intValue == Swift.max(0, max - processed))
    }
}
