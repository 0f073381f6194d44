import Foundation
import TamwatchModel
import TamwatchRules
import TamwatchSQLite
import TamwatchTesting
import Testing

/// `Tests/receivers/webhook_receiver.py`: checks every delivery with the reference
/// `standardwebhooks` library and with stdlib hmac, logs one JSON line per request.
struct PythonReceiver {
    let child: ChildProcess
    let port: Int
    let log: URL

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("receivers/webhook_receiver.py").path

    /// Without a secret it checks no signatures (a chat provider's webhook).
    static func start(secret: String?, in dir: URL, plan: String = "", then: String = "200", modeFile: URL? = nil) async throws
        -> PythonReceiver
    {
        let log = dir.appendingPathComponent("receiver-\(UUID().uuidString.prefix(8)).log")
        var args = ["python3", script, "--log", log.path, "--plan", plan, "--then", then]
        if let secret { args += ["--secret", secret] }
        if let modeFile { args += ["--mode-file", modeFile.path] }
        let child = try ChildProcess(args, executable: "/usr/bin/env")
        try await child.waitFor(timeout: .seconds(30)) { !$0.isEmpty }
        let port = try #require(child.stdoutLines.first.flatMap { Int($0) }, "receiver did not start: \(child.stderr)")
        return PythonReceiver(child: child, port: port, log: log)
    }

    var url: String { "http://127.0.0.1:\(port)/tam" }

    struct Entry {
        var n: Int
        var id: String?
        var answer: String
        var libraryOK: Bool
        var stdlibOK: Bool
        var type: String?
        var eventID: String?
        var headers: [String: String]
        var body: String
        /// When it arrived (seconds since 1970, the receiver's clock).
        var at: Double = 0
    }

    func entries() throws -> [Entry] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let json = try JSONValue.parse(String(line))
            var headers: [String: String] = [:]
            if case .object(let members)? = json["headers"] { for (k, v) in members { headers[k] = v.stringValue } }
            return Entry(
                n: json["n"]?.intValue ?? 0, id: json["id"]?.stringValue, answer: json["answer"]?.stringValue ?? "",
                libraryOK: json["library_ok"]?.boolValue ?? false, stdlibOK: json["stdlib_ok"]?.boolValue ?? false,
                type: json["type"]?.stringValue, eventID: json["event_id"]?.stringValue, headers: headers,
                body: json["body"]?.stringValue ?? "", at: json["at"]?.doubleValue ?? 0)
        }
    }

    /// The entries once `done` holds for them, looked at each time the receiver logs one (it
    /// prints a line then); throws past `timeout`.
    @discardableResult
    func entries(timeout: Duration = .seconds(60), until done: @escaping @Sendable ([Entry]) -> Bool) async throws -> [Entry] {
        let receiver = self
        try await child.waitFor(timeout: timeout) { _ in done((try? receiver.entries()) ?? []) }
        let all = try entries()
        guard done(all) else { throw ChildError.timeout("the receiver's entries never came to hold: \(all.count) logged") }
        return all
    }

    /// Ids the receiver answered with a 2xx.
    func acknowledged() throws -> [String] {
        try entries().filter { $0.answer.hasPrefix("2") || $0.answer.hasPrefix("slow:") }.compactMap(\.id)
    }
}

@Suite("Webhook delivery, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct DeliveryEndToEndTests {
    static let secret = "whsec_" + Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()
    /// What a `tamwatch` process of these tests reads from its environment: the simulator's key
    /// and the receiver's signing secret (the configs name `${E2E_WEBHOOK_SECRET}`).
    static let environment = ["OPENFUNNEL_API_KEY": SimulatorProcess.key, "E2E_WEBHOOK_SECRET": secret]

    /// A config with one webhook channel and a rule for every event.
    static func writeConfig(
        in dir: URL, receiver: String, retry: String = "[100ms, 200ms, 400ms, 800ms, 1s, 1s, 1s]",
        extra: String = "concurrency: 4"
    ) throws -> String {
        let path = dir.appendingPathComponent("tamwatch.yaml").path
        try """
        state: { path: state.sqlite }
        channels:
          pipeline:
            type: webhook
            url: "\(receiver)"
            secret: "${E2E_WEBHOOK_SECRET}"
            headers: { x-pipeline: tam }
            retry: \(retry)
            \(extra)
        rules:
          - name: everything
            on: ["*"]
            to: [pipeline]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func watch(_ job: String, sim: SimulatorProcess, config: String, extra: [String] = []) throws -> ChildProcess {
        try ChildProcess(
            [
                "watch", job, "--config", config, "--api-url", sim.url, "--poll-interval", "50ms", "--output", "ndjson",
                "--no-progress",
            ] + extra,
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key, "E2E_WEBHOOK_SECRET": secret])
    }

    static func eventIDs(_ lines: [String]) -> [String] {
        lines.compactMap { try? JSONValue.parse($0) }.compactMap { $0["id"]?.stringValue }
    }

    @Test("every event reaches the receiver once, signed (two independent verifiers), webhook-id = event id")
    func everyEventOnce() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: Self.secret, in: dir)
        defer { receiver.child.stop() }
        let config = try Self.writeConfig(in: dir, receiver: receiver.url)
        let job = try await sim.submit("normal")

        let watch = try Self.watch(job, sim: sim, config: config)
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        let events = Self.eventIDs(watch.stdoutLines)
        #expect(events.count > 20)

        let entries = try receiver.entries()
        #expect(entries.count == events.count, "one request per event, no retries needed")
        #expect(entries.map { $0.id ?? "" }.sorted() == events.sorted())
        #expect(entries.allSatisfy { $0.id == $0.eventID }, "webhook-id is the event id")
        #expect(entries.allSatisfy { $0.libraryOK && $0.stdlibOK }, "every signature verifies, by the library and by hand")
        #expect(entries.allSatisfy { $0.headers["x-pipeline"] == "tam" && $0.headers["content-type"] == "application/json" })

        let list = try ChildProcess(
            ["deliveries", "--config", config, "--output", "ndjson"],
            environment: ["E2E_WEBHOOK_SECRET": Self.secret])
        #expect(try await list.exitCode() == 0)
        let rows = list.stdoutLines.compactMap { try? JSONValue.parse($0) }
        #expect(rows.count == events.count)
        #expect(
            rows.allSatisfy {
                $0["status"]?.stringValue == "sent" && $0["last_status"]?.intValue == 200 && $0["attempt_count"]?.intValue == 1
            })
    }

    @Test("receiver outages, 429 storms and dropped connections: every event still arrives, same id every time")
    func outages() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let plan = "503,503,drop,429:1,429:1,500,502,drop,503,429:1,504,drop,503,503"
        let receiver = try await PythonReceiver.start(secret: Self.secret, in: dir, plan: plan)
        defer { receiver.child.stop() }
        let config = try Self.writeConfig(in: dir, receiver: receiver.url)
        let job = try await sim.submit("normal")

        let watch = try Self.watch(job, sim: sim, config: config)
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        let events = Set(Self.eventIDs(watch.stdoutLines))
        let entries = try receiver.entries()
        #expect(entries.count > events.count, "the plan's failures were retried")
        #expect(Set(try receiver.acknowledged()) == events, "every event was acknowledged")
        #expect(Set(entries.compactMap(\.id)).isSubset(of: events), "retries reuse the event's id")
        #expect(entries.allSatisfy { $0.libraryOK && $0.stdlibOK })
        #expect(watch.stderr.contains("HTTP 429"))
    }

    @Test("SIGKILL while deliveries are in flight, then a restart: nothing lost, nothing acknowledged and recorded is sent again")
    func sigkillMidDelivery() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        // Slow answers keep deliveries in flight when the kill lands.
        let receiver = try await PythonReceiver.start(secret: Self.secret, in: dir, then: "slow:150")
        defer { receiver.child.stop() }
        let config = try Self.writeConfig(in: dir, receiver: receiver.url, extra: "concurrency: 3")
        let job = try await sim.submit("normal")

        let first = try Self.watch(job, sim: sim, config: config)
        try await receiver.entries { $0.count >= 6 }
        try await first.sigkill()
        let seenAtKill = try receiver.entries().count

        let store = try SQLiteStore(path: dir.appendingPathComponent("state.sqlite").path)
        let sentAtKill = Set(try await store.deliveries(status: .sent).map(\.delivery.eventId))
        let pendingAtKill = try await store.deliveries(status: .pending)
        #expect(!pendingAtKill.isEmpty, "the kill landed with deliveries still to send")

        let second = try Self.watch(job, sim: sim, config: config)
        #expect(try await second.exitCode() == 0, "\(second.stderr)")

        let events = Set(try await store.events(jobId: job).map(\.id))
        let entries = try receiver.entries()
        #expect(Set(entries.compactMap(\.id)) == events, "every stored event reached the receiver")
        let afterRestart = entries.filter { $0.n > seenAtKill }.compactMap(\.id)
        #expect(Set(afterRestart).isDisjoint(with: sentAtKill), "a delivery recorded as sent was never sent again")
        #expect(try await store.deliveries(status: .pending).isEmpty)
        #expect(try await store.deliveries(status: .sent).count == events.count)
        #expect(entries.allSatisfy { $0.libraryOK && $0.stdlibOK })
    }

    @Test("dead deliveries stay listed; replay --dead sends them with their ids once the receiver is fixed")
    func deadAndReplay() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let mode = dir.appendingPathComponent("mode")
        try "400".write(to: mode, atomically: true, encoding: .utf8)
        let receiver = try await PythonReceiver.start(secret: Self.secret, in: dir, modeFile: mode)
        defer { receiver.child.stop() }
        let config = try Self.writeConfig(in: dir, receiver: receiver.url)
        let job = try await sim.submit("failed")
        let env = ["E2E_WEBHOOK_SECRET": Self.secret]

        let watch = try Self.watch(job, sim: sim, config: config)
        #expect(try await watch.exitCode() == 1, "the build failed: \(watch.stderr)")
        #expect(watch.stderr.contains("tamwatch replay dlv_"), "the log says how to resend")
        let events = Self.eventIDs(watch.stdoutLines)

        let dead = try ChildProcess(["deliveries", "--config", config, "--status", "dead", "--job", job], environment: env)
        #expect(try await dead.exitCode() == 0)
        #expect(dead.stdoutLines.first?.hasPrefix("ID") == true)
        #expect(dead.stdoutLines.dropFirst().count == events.count)
        #expect(dead.stdoutLines.dropFirst().allSatisfy { $0.contains("dead") && $0.contains("HTTP 400") })

        // One by id prefix first, then the rest.
        try "200".write(to: mode, atomically: true, encoding: .utf8)
        let firstID = try #require(dead.stdoutLines.dropFirst().first?.split(separator: " ").first.map(String.init))
        let one = try ChildProcess(["replay", firstID, "--config", config], environment: env)
        #expect(try await one.exitCode() == 0, "\(one.stderr)")
        #expect(try receiver.acknowledged().count == 1)

        let rest = try ChildProcess(["replay", "--dead", "--channel", "pipeline", "--config", config], environment: env)
        #expect(try await rest.exitCode() == 0, "\(rest.stderr)")
        #expect(Set(try receiver.acknowledged()) == Set(events))
        #expect(try receiver.acknowledged().count == events.count, "nothing acknowledged twice")

        let none = try ChildProcess(["deliveries", "--config", config, "--status", "dead"], environment: env)
        #expect(try await none.exitCode() == 0)
        #expect(none.stdoutLines.isEmpty)
        #expect(none.stderr.contains("no deliveries"))

        let unknown = try ChildProcess(["replay", "dlv_nope", "--config", config], environment: env)
        #expect(try await unknown.exitCode() == 1)
        #expect(unknown.stderr.contains("no delivery matches 'dlv_nope'"))
    }

    @Test(
        "prune: finished jobs' events and sent deliveries go, dead ones only with --dead; deliveries and replay say so; watching again announces nothing"
    )
    func prune() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let mode = dir.appendingPathComponent("mode")
        try "200".write(to: mode, atomically: true, encoding: .utf8)
        let receiver = try await PythonReceiver.start(secret: Self.secret, in: dir, modeFile: mode)
        defer { receiver.child.stop() }
        let config = try Self.writeConfig(in: dir, receiver: receiver.url, retry: "[100ms]")
        let env = ["E2E_WEBHOOK_SECRET": Self.secret]
        func run(_ args: [String]) async throws -> ChildProcess {
            let c = try ChildProcess(args + ["--config", config], environment: env)
            _ = try await c.exitCode()
            return c
        }

        let sentJob = try await sim.submit("failed")
        let first = try Self.watch(sentJob, sim: sim, config: config)
        #expect(try await first.exitCode() == 1, "\(first.stderr)")
        try "400".write(to: mode, atomically: true, encoding: .utf8)
        let deadJob = try await sim.submit("failed")
        #expect(try await Self.watch(deadJob, sim: sim, config: config).exitCode() == 1)
        let sent = try await run(["deliveries", "--status", "sent", "--output", "ndjson"])
        let sentIDs = sent.stdoutLines.compactMap { try? JSONValue.parse($0)["id"]?.stringValue }
        #expect(sentIDs.count == Self.eventIDs(first.stdoutLines).count && !sentIDs.isEmpty)
        let deadCount = try await run(["deliveries", "--status", "dead", "--output", "ndjson"]).stdoutLines.count
        #expect(deadCount > 0)

        let pruned = try await run(["prune", "--older-than", "0s"])
        #expect(
            pruned.stderr.contains(
                "pruned \(Self.eventIDs(first.stdoutLines).count * 2) events of finished jobs and \(sentIDs.count) sent deliveries"),
            "\(pruned.stderr)")
        let afterSent = try await run(["deliveries", "--status", "sent"])
        #expect(afterSent.stdoutLines.isEmpty && afterSent.stderr.contains("no deliveries with status sent"))
        #expect(afterSent.stderr.contains("pruned from this state file so far: "), "\(afterSent.stderr)")
        #expect(try await run(["deliveries", "--status", "dead", "--output", "ndjson"]).stdoutLines.count == deadCount, "dead ones stay")
        let replay = try await run(["replay", String(sentIDs[0].prefix(14))])
        #expect(replay.stderr.contains("no delivery matches") && replay.stderr.contains("sent deliveries"), "\(replay.stderr)")

        // The job's state outlives its events: watching it again announces nothing twice.
        let again = try Self.watch(sentJob, sim: sim, config: config)
        #expect(try await again.exitCode() == 1)
        #expect(Self.eventIDs(again.stdoutLines).isEmpty, "\(again.stdoutLines)")

        let dead = try await run(["prune", "--dead", "--older-than", "0s"])
        #expect(dead.stderr.contains("\(deadCount) dead deliveries"), "\(dead.stderr)")
        #expect(try await run(["deliveries", "--output", "ndjson"]).stdoutLines.isEmpty)
        #expect(try receiver.acknowledged().count == sentIDs.count, "pruning sent nothing")
    }

    @Test("--drain-timeout: watch exits once the build ends, leaving undeliverable webhooks queued, and says so")
    func drainTimeout() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: Self.secret, in: dir, then: "503")
        defer { receiver.child.stop() }
        let config = try Self.writeConfig(in: dir, receiver: receiver.url, retry: "[300ms, 1h]")
        let job = try await sim.submit("normal")

        // (That the drain does not wait out its deadline for a retry due after it is
        // DispatcherTests.drainReturnsEarly's, on a hand-moved clock.)
        let watch = try Self.watch(job, sim: sim, config: config, extra: ["--drain-timeout", "20s"])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        #expect(watch.stderr.contains("still pending after --drain-timeout 20s"))
        #expect(watch.stderr.contains("the next attempt is due in"))

        let pending = try ChildProcess(
            ["deliveries", "--config", config, "--status", "pending", "--output", "ndjson"],
            environment: ["E2E_WEBHOOK_SECRET": Self.secret])
        #expect(try await pending.exitCode() == 0)
        let rows = pending.stdoutLines.compactMap { try? JSONValue.parse($0) }
        #expect(rows.count == Self.eventIDs(watch.stdoutLines).count)
        #expect(rows.allSatisfy { $0["attempt_count"]?.intValue == 2 && $0["last_status"]?.intValue == 503 })
        // Each delivery names its build's query, as the watch learnt it from the build's rows.
        #expect(rows.allSatisfy { $0["query"]?.stringValue == "cloud observability tools" }, "\(rows)")
    }
}

@Suite("Signals and pipes", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct SignalsAndPipesTests {
    @Test("Ctrl-C or SIGTERM while deliveries settle: exit 130, \"interrupted\", never a cancellation error", arguments: [SIGTERM, SIGINT])
    func signalDuringDrain(_ signal: Int32) async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir, then: "503")
        defer { receiver.child.stop() }
        // Twenty one-second retries keep the drain busy for ~20 s after the last event, far longer
        // than a loaded machine takes between printing `job.terminal` and the signal; with a few
        // short ones, every delivery could reach its hour-long wait first and the watch exit 0.
        let retry = "[" + Array(repeating: "1s", count: 20).joined(separator: ", ") + ", 1h]"
        let config = try DeliveryEndToEndTests.writeConfig(in: dir, receiver: receiver.url, retry: retry)
        let job = try await sim.submit("normal")
        let watch = try DeliveryEndToEndTests.watch(job, sim: sim, config: config, extra: ["--drain-timeout", "60s"])
        try await watch.waitFor { $0.contains { $0.contains("\"job.terminal\"") } }
        kill(watch.pid, signal)
        #expect(try await watch.exitCode() == 130, "\(watch.stderr)")
        #expect(watch.stderr.contains("interrupted; state saved"), "\(watch.stderr)")
        #expect(!watch.stderr.contains("CancellationError") && !watch.stderr.contains("state file"), "\(watch.stderr)")
    }

    @Test("a closed stdout (| head -1) ends the watch cleanly: exit 74, no backtrace, state saved; the next run carries on")
    func closedStdout() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")
        let state = temporaryDirectory().appendingPathComponent("s.sqlite").path
        let watch = [
            ChildProcess.binary, "watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--state", state,
            "--output", "ndjson", "--no-progress",
        ].map { "'\($0)'" }.joined(separator: " ")
        let piped = try ChildProcess(
            ["-c", "\(watch) | head -1; echo \"tamwatch exit ${PIPESTATUS[0]}\""],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key], executable: "/bin/bash")
        #expect(try await piped.exitCode() == 0)
        #expect(piped.stdoutLines.last == "tamwatch exit 74", "\(piped.stdoutLines) \(piped.stderr)")
        #expect(piped.stderr.contains("stdout was closed"), "\(piped.stderr)")
        #expect(!piped.stderr.contains("Fatal error") && !piped.stderr.contains("Backtrace"), "\(piped.stderr)")
        let first = try #require(piped.stdoutLines.first.flatMap { try? JSONValue.parse($0) }.flatMap(Event.init(json:)))

        let rest = try ChildProcess(
            [
                "watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--state", state,
                "--output", "ndjson", "--no-progress",
            ], environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await rest.exitCode() == 0, "\(rest.stderr)")
        let events = rest.stdoutLines.compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:))
        let sequences = [first.sequence] + events.map(\.sequence)
        #expect(Set(sequences) == Set(1...(events.last?.sequence ?? 0)), "no event lost between the runs: \(sequences)")
        #expect(events.last?.type == .terminal)
    }
}

@Suite("Templates from the command line", .timeLimit(.minutes(5)), .reapsChildren)
struct TemplateCommandLineTests {
    @Test("a rule's shipped template is carried in the binary: found from any working directory, rendered, signed")
    func shippedTemplateFromAnyDirectory() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { receiver.child.stop() }
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try """
        state: { path: state.sqlite }
        channels:
          crm: { type: webhook, url: "\(receiver.url)", secret: "${E2E_WEBHOOK_SECRET}" }
        rules:
          - { name: done, on: [job.terminal], where: ["labels.team =~ \\"sales|ops\\""], to: [crm], template: compact }
        """.write(to: config, atomically: true, encoding: .utf8)
        let job = try await sim.submit("normal")
        let elsewhere = temporaryDirectory()
        let watch = try ChildProcess(
            [
                "watch", job, "--config", config.path, "--api-url", sim.url, "--poll-interval", "50ms",
                "--label", "team=sales", "--label", "owner=ana@example.com", "--no-progress",
            ],
            environment: DeliveryEndToEndTests.environment,
            directory: elsewhere)
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        let entries = try receiver.entries()
        #expect(entries.count == 1, "only job.terminal matches the rule")
        #expect(entries.allSatisfy { $0.libraryOK && $0.stdlibOK })
        let body = try JSONValue.parse(try #require(entries.first).body)
        #expect(body["type"]?.stringValue == "job.terminal")
        #expect(body["id"]?.stringValue == entries.first?.id, "webhook-id is the event id")
        // Watched by id, the build's query comes from its first rows (`source_query`).
        #expect(
            body["summary"]?.stringValue?.hasPrefix("TAM build \(job.prefix(8)) \"cloud observability tools\": completed") == true,
            "\(body)")
        #expect(body["query"]?.stringValue == "cloud observability tools")
        #expect(body["status"]?.stringValue == "completed")
        #expect(body["bands"]?.stringValue == "6/6")
        #expect(body["owner"]?.stringValue == "ana@example.com")
        #expect(body["unique_count"]?.stringValue.flatMap(Int.init).map { $0 > 0 } == true)
    }

    @Test("a broken template or a rule naming a missing one is a configuration error: file, line, column, key; exit 78")
    func templateErrors() async throws {
        let dir = temporaryDirectory()
        let own = dir.appendingPathComponent("mytemplates/webhook")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        try "{\n  \"text\": \"{{#job.manifest}}done\"\n}\n".write(
            to: own.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try """
        templates: mytemplates
        channels:
          crm: { type: webhook, url: "http://127.0.0.1:9/hook" }
        rules:
          - name: done
            on: [job.terminal]
            to: [crm]
            template: nothere
        """.write(to: config, atomically: true, encoding: .utf8)
        let watch = try ChildProcess(["watch", "job-1", "--config", config.path], environment: ["OPENFUNNEL_API_KEY": "k"])
        #expect(try await watch.exitCode() == 78)
        #expect(watch.stderr.contains("2 configuration errors"), "\(watch.stderr)")
        #expect(watch.stderr.contains("mytemplates/webhook/broken.json:"), "\(watch.stderr)")
        #expect(watch.stderr.contains("template syntax error: a section is not closed"), "\(watch.stderr)")
        #expect(
            watch.stderr.contains(
                "tamwatch.yaml:5: rules.done.template: no template 'nothere' for channel crm (webhook): looked for webhook/nothere.* in "),
            "\(watch.stderr)")
    }
}

@Suite("Chat channels, end to end", .timeLimit(.minutes(5)), .reapsChildren)
struct ChatEndToEndTests {
    @Test("through watch: Slack's 429 with Retry-After pauses then delivers everything; channel_not_found disables the other channel")
    func slackThroughWatch() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let ok = try await PythonReceiver.start(secret: nil, in: dir, plan: "429:1", then: "200=ok")
        defer { ok.child.stop() }
        let gone = try await PythonReceiver.start(secret: nil, in: dir, then: "404=channel_not_found")
        defer { gone.child.stop() }
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try """
        state: { path: state.sqlite }
        channels:
          ops: { type: slack, url: "\(ok.url)", rate_limit: 20/s, retry: [200ms, 400ms, 800ms] }
          old: { type: slack, url: "\(gone.url)", rate_limit: 20/s }
        rules:
          - { name: bands, on: [job.band_completed, job.terminal], to: [ops, old] }
        """.write(to: config, atomically: true, encoding: .utf8)
        let job = try await sim.submit("normal")
        let watch = try ChildProcess(
            ["watch", job, "--config", config.path, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress"],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        #expect(watch.stderr.contains("channel old disabled: Slack answered HTTP 404 channel_not_found"), "\(watch.stderr)")

        let arrived = try ok.entries()
        #expect(arrived.first?.answer == "429:1")
        let delivered = arrived.filter { $0.answer == "200=ok" }
        #expect(delivered.count == 7, "six bands and the terminal event")
        for entry in delivered {
            let body = try JSONValue.parse(entry.body)
            #expect(body["text"]?.stringValue?.contains("TAM build \(job.prefix(8))") == true)
            #expect(body["blocks"]?[0]?["type"]?.stringValue == "header")
        }
        #expect(try gone.entries().count == 1, "nothing more was sent to a channel that is gone")

        let store = try SQLiteStore(path: dir.appendingPathComponent("state.sqlite").path)
        let old = try await store.deliveries(channel: "old")
        #expect(old.count == 7 && old.allSatisfy { $0.status == .dead })
        #expect(old.filter { $0.lastError?.hasPrefix("channel disabled:") == true }.count == 6)
        #expect(try await store.deliveries(channel: "ops").allSatisfy { $0.status == .sent })
    }
}
