import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

/// `tamwatch serve` reading its configuration again while a build runs.
@Suite("configuration reload, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ReloadTests {
    static func config(to channel: String, a: String, b: String, extra: String = "", third: Bool = false) -> String {
        """
        state: { path: state.sqlite }
        channels:
          first: { type: webhook, url: "\(a)", secret: "${E2E_WEBHOOK_SECRET}", retry: [100ms] }
          second: { type: webhook, url: "\(b)", secret: "${E2E_WEBHOOK_SECRET}", retry: [100ms] }\(third ? "\n  third: { type: webhook, url: \"http://127.0.0.1:9/x\" }" : "")
        rules:
          - { name: everything, on: ["*"], to: [\(channel)] }
        \(extra)
        """
    }

    @Test(
        "POST /-/reload mid-build routes the next events to the new channel, nothing lost or sent twice; a broken file keeps the old routing; SIGHUP reloads too"
    )
    func reloadMidBuild() async throws {
        let dir = temporaryDirectory()
        // A build that lasts a few hundred polls.
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let first = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { first.child.stop() }
        let second = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { second.child.stop() }
        let file = dir.appendingPathComponent("tamwatch.yaml")
        try Self.config(to: "first", a: first.url, b: second.url).write(to: file, atomically: true, encoding: .utf8)
        let serve = try await ServeProcess.start(config: file.path, sim: sim)
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }
        let metrics = try await serve.metrics(transport: http)
        #expect(metrics["tamwatch_config_last_reload_successful"] == 1)
        let startHash = try #require(metrics["tamwatch_config_hash"])

        let job = try await sim.submit(nil)
        #expect(try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(job)"}"#, transport: http).status == 201)
        _ = try await serve.until("/api/v1/deliveries?status=sent&channel=first&limit=2", transport: http) {
            $0.json?["data"]?.arrayItems.count == 2
        }

        // The rule now routes to the second channel; the first stays (what it has queued goes there).
        try Self.config(to: "second", a: first.url, b: second.url, extra: "serve: { listen: \"127.0.0.1:1\" }", third: true).write(
            to: file, atomically: true, encoding: .utf8)
        let reloaded = try await serve.call("POST", "/-/reload", transport: http)
        #expect(reloaded.status == 200, "\(reloaded.text)")
        #expect(reloaded.json?["changed"]?.arrayItems.compactMap(\.stringValue) == ["rules", "channel third: added"], "\(reloaded.text)")
        let listed = try await serve.call("GET", "/api/v1/channels", transport: http)
        #expect(listed.json?["data"]?.arrayItems.compactMap { $0["name"]?.stringValue } == ["first", "second", "third"], "\(listed.text)")
        #expect(reloaded.json?["needs_restart"]?.arrayItems.compactMap(\.stringValue) == ["serve.listen"], "\(reloaded.text)")
        let after = try await serve.metrics(transport: http)
        #expect(after["tamwatch_config_last_reload_successful"] == 1 && after["tamwatch_config_hash"] != startHash)
        #expect(after["tamwatch_deliveries_total{channel=\"third\",result=\"sent\"}"] == 0, "the new channel's series exist")

        // A broken file: 422 naming file, line and key; the metric says so; the routing stays.
        let good = Self.config(to: "second", a: first.url, b: second.url)
        try (good + "\nrulez: []\n").write(to: file, atomically: true, encoding: .utf8)
        let line = good.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        let broken = try await serve.call("POST", "/-/reload", transport: http)
        #expect(broken.status == 422 && broken.text.contains("tamwatch.yaml:\(line)"), "\(broken.text)")
        #expect(broken.json?["errors"]?[0]?["field"]?.stringValue == "rulez", "\(broken.text)")
        #expect(try await serve.metrics(transport: http)["tamwatch_config_last_reload_successful"] == 0)

        let done = try await serve.until("/api/v1/watches/\(job)", transport: http, timeout: .seconds(120)) {
            $0.json?["status"]?.stringValue == "completed"
        }
        #expect(done.json?["status"]?.stringValue == "completed")
        let events = try await serve.call("GET", "/api/v1/watches/\(job)/events?limit=500", transport: http)
        let ids = events.json?["data"]?.arrayItems.compactMap { $0["id"]?.stringValue } ?? []
        _ = try await serve.until("/api/v1/deliveries?status=pending&limit=1", transport: http) {
            $0.json?["data"]?.arrayItems.isEmpty == true
        }
        let toFirst = try first.acknowledged()
        let toSecond = try second.acknowledged()
        #expect(!toFirst.isEmpty && !toSecond.isEmpty, "both channels got events: \(toFirst.count) and \(toSecond.count)")
        #expect((toFirst + toSecond).sorted() == ids.sorted(), "every event once, to one channel or the other")
        #expect(Set(toFirst).isDisjoint(with: toSecond))

        // SIGHUP with the file mended: reloaded, the metric back to 1.
        try Self.config(to: "second", a: first.url, b: second.url).write(to: file, atomically: true, encoding: .utf8)
        kill(serve.child.pid, SIGHUP)
        // The POST's reload said so once already; this is the second.
        try await serve.child.waitForStderr(timeout: .seconds(30)) { $0.components(separatedBy: "configuration reloaded from").count == 3 }
        #expect(try await serve.metrics(transport: http)["tamwatch_config_last_reload_successful"] == 1)
        #expect(try await serve.call("GET", "/-/healthy", transport: http).status == 200, "SIGHUP did not stop it")
    }
}
