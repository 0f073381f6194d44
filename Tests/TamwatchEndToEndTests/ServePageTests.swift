import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

@Suite("tamwatch serve: the status page in a real browser", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ServePageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("Tests/browser/status_page.py").path
    /// Screenshots are kept here after a run (docs/status-page.png comes from it).
    static let artifacts = root.appendingPathComponent(".build/test-artifacts")

    /// A serve with a write token (which the returned client sends), polling every 150 ms.
    static func serve(in dir: URL, sim: SimulatorProcess, receiver: String) async throws -> ServeProcess {
        let config = try ServeEndToEndTests.writeConfig(in: dir, receiver: receiver, tokens: true)
        var serve = try await ServeProcess.start(
            config: config, sim: sim, extra: ["--poll-interval", "150ms"], environment: ["E2E_SERVE_TOKEN": ServeProcess.token])
        serve.token = ServeProcess.token
        return serve
    }

    @Test("headless Chromium: the page follows a build live (bars, status), replays a delivery to the receiver, fits a phone")
    func statusPageInChromium() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { receiver.child.stop() }
        let serve = try await Self.serve(in: dir, sim: sim, receiver: receiver.url)
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }

        let wide = dir.appendingPathComponent("status-page.png")
        let phone = dir.appendingPathComponent("status-page-phone.png")
        let browser = try ChildProcess(
            [
                "python3", Self.script, "--url", serve.url, "--token", ServeProcess.token, "--screenshot", wide.path,
                "--phone-screenshot", phone.path,
            ], executable: "/usr/bin/env")
        #expect(try await browser.exitCode(timeout: .seconds(150)) == 0, "\(browser.stderr)")
        let seen = try JSONValue.parse(try #require(browser.stdoutLines.last, "no result: \(browser.stderr)"))

        #expect(seen["url_after_login"]?.stringValue == serve.url + "/", "the token leaves the address bar")
        let progress = seen["bands_progress"]?.arrayItems.compactMap(\.stringValue) ?? []
        #expect(progress.count >= 3, "the bar moved while the page was open: \(progress)")
        #expect(progress.last == "6/6")
        #expect(seen["status"]?.stringValue == "completed")
        #expect(seen["processed"]?.stringValue == "21,815")
        #expect(seen["query"]?.stringValue == "cloud observability tools", "a build is shown by its query")
        #expect(seen["done_bars"]?.intValue == 6)
        #expect(seen["reloaded"]?.boolValue == false)
        #expect((seen["timeline"]?.intValue ?? 0) > 5)
        #expect(seen["stop_shown"]?.boolValue == false, "a completed watch offers no Stop watching")
        #expect(
            seen["last_event_after_reload"]?.stringValue?.hasPrefix("job.") == true,
            "after a reload the last event keeps its type: \(seen["last_event_after_reload"] ?? .null)")
        #expect(seen["channels"]?.stringValue?.contains("127.0.0.1:\(receiver.port)") == true)
        #expect(seen["channels"]?.stringValue?.contains("/tam") == false, "the page shows a channel's host, not its URL")
        #expect((seen["phone_overflow"]?.intValue ?? 1) <= 0, "nothing wider than a phone")

        // The replay from the page reached the receiver: the same webhook-id a second time.
        #expect(seen["replay_button"]?.stringValue == "Queued")
        let replayed = try #require(seen["replayed"]?.stringValue)
        let delivery = try await serve.until("/api/v1/deliveries/\(replayed)", transport: http) {
            $0.json?["attempts"]?.arrayItems.count == 2
        }
        let eventId = try #require(delivery.json?["event_id"]?.stringValue)
        #expect(try receiver.acknowledged().filter { $0 == eventId }.count == 2)

        // Screenshots: PNGs, kept as the run's artefacts.
        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        for shot in [wide, phone] {
            let data = try Data(contentsOf: shot)
            #expect(data.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
            let kept = Self.artifacts.appendingPathComponent(shot.lastPathComponent)
            try? FileManager.default.removeItem(at: kept)
            try FileManager.default.copyItem(at: shot, to: kept)
        }
    }

    @Test(
        "headless Chromium: a page of another origin, with the victim logged in, changes nothing and reads nothing; a rebound name is refused; the page's own stop works"
    )
    func foreignPageInChromium() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start(step: "100ms")
        defer { sim.child.stop() }
        let serve = try await Self.serve(in: dir, sim: sim, receiver: "http://127.0.0.1:9/hook")
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }
        let job = try await sim.submit(nil)
        #expect(try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(job)"}"#, transport: http).status == 201)

        let browser = try ChildProcess(
            [
                "python3", Self.root.appendingPathComponent("Tests/browser/foreign_page.py").path, "--url", serve.url, "--token",
                ServeProcess.token, "--job", job,
            ], executable: "/usr/bin/env")
        #expect(try await browser.exitCode(timeout: .seconds(150)) == 0, "\(browser.stderr)")
        let seen = try JSONValue.parse(try #require(browser.stdoutLines.last, "no result: \(browser.stderr)"))
        let attempts = seen["attempts"]
        // Requests the browser sent (no-cors, a form) reached the service and were refused there;
        // the others never left the browser (a preflight without CORS headers, an unreadable answer).
        #expect(attempts?["json_post"]?.stringValue?.hasPrefix("blocked") == true, "\(seen)")
        #expect(attempts?["delete"]?.stringValue?.hasPrefix("blocked") == true, "\(seen)")
        #expect(attempts?["read"]?.stringValue?.hasPrefix("blocked") == true, "\(seen)")
        #expect(seen["rebinding"]?.stringValue?.contains("421") == true, "\(seen)")
        #expect(seen["rebinding"]?.stringValue?.contains(job) == false)
        #expect(seen["stopped_on_page"]?.boolValue == true)

        // Nothing the foreign page tried happened: one watch, the one registered here, stopped
        // only by the page's own button; no build was submitted.
        let watches = try await serve.call("GET", "/api/v1/watches", transport: http)
        #expect(watches.json?["data"]?.arrayItems.compactMap { $0["job_id"]?.stringValue } == [job], "\(watches.text)")
        #expect(watches.json?["data"]?[0]?["active"]?.boolValue == false)
        let log = serve.child.stderr
        #expect(!log.contains("submitted a build"), "\(log.suffix(1000))")
        #expect(!log.contains("deleted the watch"))
    }
}
