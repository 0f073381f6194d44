import Foundation
import TamwatchModel
import TamwatchTesting
import Testing

/// `tamwatch watch` as a user runs it: a real process, real HTTP through libcurl to a real
/// simulator process, a real SQLite file. Exact events and exit codes.
@Suite("tamwatch watch, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct WatchCommandTests {
    /// Runs `tamwatch watch` to its end; returns the exit status and the NDJSON events.
    func watch(_ jobs: [String], sim: SimulatorProcess, state: URL? = nil, extra: [String] = []) async throws -> (
        Int32, [Event], ChildProcess
    ) {
        let statePath = (state ?? temporaryDirectory().appendingPathComponent("state.sqlite")).path
        let child = try ChildProcess(
            ["watch"] + jobs + [
                "--api-url", sim.url, "--poll-interval", "50ms", "--state", statePath,
                "--output", "ndjson", "--no-progress",
            ] + extra,
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        let code = try await child.exitCode()
        let events = child.stdoutLines.compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:))
        #expect(events.count == child.stdoutLines.count, "every stdout line is one event envelope")
        return (code, events, child)
    }

    /// Runs `tamwatch watch` on a pseudo-terminal (script(1)), as a person's shell would; returns
    /// the exit status and what the terminal showed, whole and by lines.
    func watchOnTerminal(_ job: String, sim: SimulatorProcess) async throws -> (Int32, String, [String]) {
        let state = temporaryDirectory().appendingPathComponent("s.sqlite").path
        let command = [ChildProcess.binary, "watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--state", state]
            .map { "'\($0)'" }.joined(separator: " ")
        let child = try ChildProcess(
            ["-qec", command, "/dev/null"], environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key],
            executable: "/usr/bin/script")
        let code = try await child.exitCode()
        return (code, child.stdoutLines.joined(separator: "\n"), child.stdoutLines)
    }

    /// A compact, readable form of the events that are not `job.progress`.
    func milestones(_ events: [Event]) -> [String] {
        events.compactMap { e in
            let d = e.data
            switch e.type {
            case .statusChanged: return "status:\(d["from"]?.stringValue ?? "null")>\(d["to"]?.stringValue ?? "")"
            case .bandCompleted: return "band:\(d["band"]?.intValue ?? -1)"
            case .processedMilestone: return "milestone:\(d["milestone"]?.intValue ?? -1)"
            case .degraded: return "degraded:\(d["source"]?.stringValue ?? "")"
            case .creditsConsumed: return "credits:\(d["credits_consumed"]?.intValue ?? -1)"
            case .terminal: return "terminal:\(d["status"]?.stringValue ?? "")"
            case .stalled: return "stalled"
            case .watchError: return "error:\(d["kind"]?.stringValue ?? "")"
            case .progress: return nil
            case .resultsReady, .budgetWarning, .budgetExceeded, .creditsLow: return e.type.rawValue
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var scenario: String
        var exit: Int32
        var expected: [String]
        var testDescription: String { scenario }
    }

    static let cases: [Case] = [
        Case(
            scenario: "normal", exit: 0,
            expected: [
                "status:null>running", "milestone:1000", "band:1", "milestone:5000", "band:2", "milestone:10000", "band:3",
                "band:4", "band:5", "status:running>completed", "band:6", "credits:21815", "terminal:completed",
            ]),
        Case(
            scenario: "flaky", exit: 0,
            expected: [
                "status:null>running", "milestone:1000", "band:1", "milestone:5000", "band:2", "milestone:10000", "band:3",
                "band:4", "band:5", "status:running>completed", "band:6", "credits:21815", "terminal:completed",
            ]),
        Case(
            scenario: "degraded", exit: 0,
            expected: [
                "status:null>running", "milestone:1000", "band:1", "milestone:5000", "band:2", "degraded:job", "milestone:10000",
                "band:3", "band:4", "band:5", "status:running>completed", "band:6", "credits:21815",
                "terminal:completed",
            ]),
        Case(
            scenario: "failed", exit: 1,
            expected: [
                "status:null>running", "milestone:1000", "band:1", "milestone:5000", "band:2", "milestone:10000", "band:3",
                "status:running>failed", "credits:15744", "terminal:failed",
            ]),
        Case(
            scenario: "cancelled", exit: 2,
            expected: [
                "status:null>running", "milestone:1000", "band:1", "milestone:5000", "status:running>cancelling", "band:2",
                "status:cancelling>cancelled", "credits:8780", "terminal:cancelled",
            ]),
        Case(
            scenario: "paused", exit: 0,
            expected: [
                "status:null>running", "milestone:1000", "status:running>pausing", "band:1", "milestone:5000",
                "status:pausing>paused", "band:2", "status:paused>running", "milestone:10000", "band:3", "band:4", "band:5",
                "status:running>completed", "band:6", "credits:21815", "terminal:completed",
            ]),
    ]

    @Test("every scenario gives its exact events and exit status", arguments: cases)
    func scenario(_ c: Case) async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit(c.scenario)
        let (code, events, child) = try await watch([job], sim: sim)
        #expect(code == c.exit, "stderr: \(child.stderr)")
        #expect(milestones(events) == c.expected)
        #expect(events.map(\.sequence) == Array(1...max(events.count, 1)).prefix(events.count).map { $0 })
        #expect(Set(events.map(\.id)).count == events.count)
        #expect(events.allSatisfy { $0.jobId == job })
        #expect(!child.stderr.contains(SimulatorProcess.key), "the API key leaked into the logs")
        if c.scenario == "failed" {
            #expect(events.last?.data["error_message"]?.stringValue?.contains("failed") == true)
        }
    }

    @Test("several jobs in one process: each complete, the worst exit status wins")
    func severalJobs() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let a = try await sim.submit("normal"), b = try await sim.submit("cancelled"), c = try await sim.submit("failed")
        let (code, events, child) = try await watch([a, b, c], sim: sim, extra: ["--label", "owner=ana@example.com"])
        #expect(code == 1, "stderr: \(child.stderr)")
        for (job, end) in [(a, "completed"), (b, "cancelled"), (c, "failed")] {
            let mine = events.filter { $0.jobId == job }
            #expect(mine.last?.data["status"]?.stringValue == end)
            #expect(mine.map(\.sequence) == Array(1...mine.count))
        }
        #expect(events.allSatisfy { $0.labels["owner"] == "ana@example.com" })
        let (code2, _, _) = try await watch([a, b], sim: sim)
        #expect(code2 == 2)
    }

    @Test("a job that does not exist: watch.error not_found after the grace period; exit 3")
    func notFound() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let dir = temporaryDirectory()
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try "api:\n  key: ${E2E_KEY}\nwatch:\n  not_found_grace: 200ms\n".write(to: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(
            [
                "watch", "no-such-job", "--config", config.path, "--api-url", sim.url, "--poll-interval", "50ms",
                "--output", "ndjson", "--no-progress",
            ], environment: ["E2E_KEY": SimulatorProcess.key])
        #expect(try await child.exitCode() == 3)
        let events = child.stdoutLines.compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:))
        #expect(milestones(events) == ["error:not_found"])
        #expect(
            FileManager.default.fileExists(atPath: dir.appendingPathComponent("tamwatch.sqlite").path),
            "state.path is relative to the config file")
    }

    @Test("a refused API key: exit 3 at once, and the key is never printed")
    func unauthorized() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let child = try ChildProcess(
            [
                "watch", "some-job", "--api-url", sim.url, "--state", temporaryDirectory().appendingPathComponent("s.sqlite").path,
                "--output", "ndjson", "--no-progress",
            ], environment: ["OPENFUNNEL_API_KEY": "of_wrong_secret_123"])
        #expect(try await child.exitCode() == 3)
        #expect(child.stdoutLines.first?.contains("\"kind\":\"unauthorized\"") == true)
        #expect(!child.stderr.contains("of_wrong_secret_123") && !child.stdoutLines.joined().contains("of_wrong_secret_123"))
    }

    @Test("a configuration error names file, line and key; exit 78")
    func configError() async throws {
        let config = temporaryDirectory().appendingPathComponent("bad.yaml")
        try "api:\n  key: k\n  poll_interval: often\n".write(to: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(["watch", "j", "--config", config.path])
        #expect(try await child.exitCode() == 78)
        #expect(child.stderr.contains("\(config.path):3:18: api.poll_interval: 'often' is not a duration"), "stderr: \(child.stderr)")
    }

    @Test("usage errors exit 64", arguments: [["watch"], ["watch", "j", "--poll-interval", "fast"], ["watch", "j", "--label", "nokey"]])
    func usage(_ args: [String]) async throws {
        let child = try ChildProcess(args)
        #expect(try await child.exitCode() == 64)
    }

    @Test("no API key anywhere is a configuration error")
    func noKey() async throws {
        let child = try ChildProcess(["watch", "j", "--state", temporaryDirectory().appendingPathComponent("s.sqlite").path])
        #expect(try await child.exitCode() == 78)
        #expect(child.stderr.contains("OPENFUNNEL_API_KEY"))
    }

    @Test("on a terminal: a live progress line per job (status, band bar, processed) beside the events")
    func liveProgress() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")
        let (code, screen, _) = try await watchOnTerminal(job, sim: sim)
        #expect(code == 0)
        #expect(screen.contains("6/6 bands"), "no progress line: \(screen.suffix(400))")
        #expect(screen.contains("█") && screen.contains("\u{1B}[2K"))
        #expect(screen.contains("job.band_completed") && screen.contains("band 6/6 completed"))
        #expect(screen.contains("21,815 processed"))
    }

    @Test("API text that tries to take over the terminal is shown escaped: no cleared screen, no new title, no forged line")
    func hostileText() async throws {
        let dir = temporaryDirectory()
        let scenario = dir.appendingPathComponent("hostile.yaml")
        try #"""
        name: hostile
        description: band labels that try to take over the terminal
        pending: 1s
        band_duration: 10s
        steps_per_band: 2
        bands:
          - { label: "\e[2J\e]0;pwned\a", companies: 1500 }
          - { label: "x\n12:00:00  deadbeef  job.terminal            completed", companies: 800 }
        """#.write(to: scenario, atomically: true, encoding: .utf8)
        let sim = try await SimulatorProcess.start(scenario: scenario.path)
        defer { sim.child.stop() }
        let job = try await sim.submit(nil)
        let (code, screen, lines) = try await watchOnTerminal(job, sim: sim)
        #expect(code == 0)
        #expect(screen.contains(#"band \e[2J\e]0;pwned\u{7}"#), "the label is shown, escaped: \(screen.suffix(600))")
        #expect(!screen.contains("\u{1B}[2J") && !screen.contains("\u{1B}]0;") && !screen.contains("\u{07}"))
        #expect(!lines.contains { $0.hasPrefix("12:00:00  deadbeef") }, "a line was forged")
        #expect(screen.contains(#"x\n12:00:00  deadbeef"#))
    }

    @Test(
        "a label with a control character is a usage error (exit 64)",
        arguments: ["owner=a@x.com>\r\nRCPT TO:<victim@y>", "own\u{1B}er=a", "k=\u{7F}"])
    func controlCharacterLabel(_ label: String) async throws {
        let child = try ChildProcess(["watch", "j", "--label", label])
        #expect(try await child.exitCode() == 64)
        #expect(child.stderr.contains("--label") && child.stderr.contains("control character"), "stderr: \(child.stderr)")
    }

    @Test("two writers on one state file: the second exits 75 naming the first; deliveries still reads; --wait waits its turn")
    func oneWriterPerStateFile() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")
        let state = temporaryDirectory().appendingPathComponent("shared.sqlite").path
        let env = ["OPENFUNNEL_API_KEY": SimulatorProcess.key]
        let common = ["--api-url", sim.url, "--state", state, "--output", "ndjson", "--no-progress"]
        let first = try ChildProcess(["watch", job, "--poll-interval", "2s"] + common, environment: env)
        defer { first.stop() }
        try await first.waitFor { !$0.isEmpty }

        let second = try ChildProcess(["watch", job, "--poll-interval", "50ms"] + common, environment: env)
        #expect(try await second.exitCode() == 75)
        #expect(second.stderr.contains("is in use by pid \(first.pid): tamwatch watch"), "\(second.stderr)")
        #expect(second.stdoutLines.isEmpty, "it printed nothing of the first one's job")

        let list = try ChildProcess(["deliveries", "--state", state])
        #expect(try await list.exitCode() == 0, "a reader needs no lock: \(list.stderr)")

        let waiting = try ChildProcess(["watch", job, "--poll-interval", "50ms", "--wait"] + common, environment: env)
        try await waiting.waitForStderr { $0.contains("waiting for it to finish") }
        kill(first.pid, SIGINT)
        #expect(try await first.exitCode() == 130)
        #expect(try await waiting.exitCode() == 0, "\(waiting.stderr)")
        #expect(waiting.stdoutLines.last?.contains("job.terminal") == true)
    }
}
