import Foundation
import TamwatchModel
import TamwatchTesting
import Testing

/// `check`, `render` and `test-send` as an operator runs them.
@Suite("check, render, test-send", .timeLimit(.minutes(5)), .reapsChildren)
struct OperatorToolsTests {
    static let exampleEnv = [
        "OPENFUNNEL_API_KEY": "of_test", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
        "WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "SMTP_PASSWORD": "pw",
    ]

    static var exampleConfig: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/tamwatch.yaml").path
    }

    @Test("check: the documented example passes; a broken config reports every problem with file, line and key (exit 78)")
    func check() async throws {
        let ok = try ChildProcess(["check", "--config", Self.exampleConfig], environment: Self.exampleEnv)
        #expect(try await ok.exitCode() == 0, "\(ok.stderr)")
        #expect(ok.stdoutLines.first?.hasSuffix("tamwatch.yaml: ok") == true)
        #expect(ok.stdoutLines.contains { $0.contains("channels: ops (slack), pipeline (webhook), owner (email)") })
        #expect(!ok.stderr.contains("warning"), "the example has nothing to warn about: \(ok.stderr)")

        // A throttle that can hold nothing back: a warning, and still exit 0.
        let warned = temporaryDirectory().appendingPathComponent("tamwatch.yaml")
        try """
        channels:
          ops: { type: slack, url: "https://hooks.slack.com/services/T/B/X" }
        rules:
          - { name: ends, on: [job.terminal], to: [ops], throttle: 10m }
        """.write(to: warned, atomically: true, encoding: .utf8)
        let warning = try ChildProcess(["check", "--config", warned.path])
        #expect(try await warning.exitCode() == 0, "\(warning.stderr)")
        #expect(warning.stderr.contains("warning: \(warned.path):4: rules.ends.throttle: has no effect"), "\(warning.stderr)")

        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("own/slack"), withIntermediateDirectories: true)
        try #"{"text": "{{#job.manifest}}"}"#.write(
            to: dir.appendingPathComponent("own/slack/default.json"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try """
        templates: own
        api: { poll_interval: soon }
        channels:
          ops: { type: slack, url: "https://hooks.slack.com/services/T/B/X" }
          hook: { type: webhook, url: "https://hooks.example.com/x", secret: "nope" }
        rules:
          - name: done
            on: [job.terminal]
            where: ["data.unique_count >= 1000"]
            to: [ops, nowhere]
          - { name: ends, on: [job.terminal], to: [hook], throttle: 5m }
        """.write(to: config, atomically: true, encoding: .utf8)
        let bad = try ChildProcess(["check", "--config", config.path])
        #expect(try await bad.exitCode() == 78)
        let err = bad.stderr
        #expect(err.contains("5 configuration errors"), "\(err)")
        #expect(err.components(separatedBy: "a signing secret starts with whsec_").count == 2, "the bad secret said once: \(err)")
        #expect(err.contains("tamwatch.yaml:2:23: api.poll_interval: 'soon' is not a duration"), "\(err)")
        #expect(
            err.contains(
                "rules.done.where: 'data.unique_count' is not in the data of job.terminal (it has: error_message, manifest, status, top)"),
            "\(err)")
        #expect(err.contains("rules[0].to: unknown channel 'nowhere'"), "\(err)")
        #expect(err.contains("own/slack/default.json:1:"), "\(err)")
    }

    @Test("every configuration in the README and the docs passes check, its secrets set as a reader sets them")
    func documentedConfigs() async throws {
        let root = ServePageTests.root
        let docs = DocsTests.pages.dropFirst()
        let sections: Set<String> = ["api", "state", "watch", "results", "guard", "serve", "templates", "channels", "rules"]
        var checked: [String] = []
        for name in ["README.md"] + docs {
            let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
            for (index, block) in Self.yamlBlocks(text).enumerated() {
                let keys = block.split(separator: "\n").compactMap { line -> String? in
                    guard let first = line.first, first.isLetter, let colon = line.firstIndex(of: ":") else { return nil }
                    return String(line[..<colon])
                }
                // Another tool's YAML (a Prometheus rule) is not a tamwatch configuration.
                guard !keys.isEmpty, Set(keys).isSubset(of: sections) else { continue }
                let file = temporaryDirectory().appendingPathComponent("tamwatch.yaml")
                try block.write(to: file, atomically: true, encoding: .utf8)
                var env: [String: String] = [:]
                for variable in Self.variables(block) {
                    env[variable] =
                        variable.hasSuffix("URL")
                        ? "https://hooks.slack.com/services/T/B/X"
                        : variable.contains("SECRET")
                            ? DeliveryEndToEndTests.secret : variable.contains("TOKEN") ? "tw_" + String(repeating: "a", count: 40) : "x"
                }
                let check = try ChildProcess(["check", "--config", file.path], environment: env)
                #expect(try await check.exitCode() == 0, "\(name), YAML block \(index + 1): \(check.stderr)")
                checked.append(name)
            }
        }
        #expect(
            Set(checked).isSuperset(of: ["README.md", "docs/delivery.md", "docs/serve.md", "docs/using.md", "docs/channels/email.md"]),
            "\(checked)")
    }

    /// The ```yaml blocks of a Markdown text.
    static func yamlBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("```yaml") {
                current = []
            } else if let lines = current, line.hasPrefix("```") {
                blocks.append(lines.joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// The `${VAR}` names a configuration reads.
    static func variables(_ text: String) -> Set<String> {
        var out: Set<String> = []
        var rest = text[...]
        while let start = rest.range(of: "${") {
            let tail = rest[start.upperBound...]
            let name = tail.prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            if !name.isEmpty { out.insert(String(name)) }
            rest = tail
        }
        return out
    }

    @Test("render prints exactly the bytes the channel would send: the shipped templates, or a rule's own")
    func render() async throws {
        let slack = try ChildProcess(["render", "--event", "job.terminal", "--channel", "slack"])
        #expect(try await slack.exitCode() == 0, "\(slack.stderr)")
        let body = try JSONValue.parse(slack.stdoutLines.joined(separator: "\n"))
        #expect(
            body["text"]?.stringValue?.contains(
                "TAM build 8a8e8a97 \"cloud observability and monitoring tools\": completed · 21,815 companies") == true)
        #expect(body["blocks"]?[0]?["type"]?.stringValue == "header")

        let viaRule = try ChildProcess(
            ["render", "--event", "job.band_completed", "--config", Self.exampleConfig, "--rule", "everything-to-pipeline"],
            environment: Self.exampleEnv)
        #expect(try await viaRule.exitCode() == 0, "\(viaRule.stderr)")
        let compact = try JSONValue.parse(viaRule.stdoutLines.joined())
        #expect(compact["bands"]?.stringValue == "3/6", "the rule's template (compact) was used")
        #expect(compact["owner"]?.stringValue == "ana@example.com")

        let email = try ChildProcess(["render", "--event", "job.terminal", "--channel", "email"])
        #expect(try await email.exitCode() == 0)
        #expect(
            email.stdoutLines.contains {
                $0.hasPrefix(
                    "Subject: ✅ TAM build completed · cloud observability and monitoring tools · build 8a8e8a97 · 21,815 companies")
            })
        #expect(email.stdoutLines.contains("--- text/html"))

        let unknown = try ChildProcess(["render", "--event", "job.done"])
        #expect(try await unknown.exitCode() == 64)
        #expect(unknown.stderr.contains("--event 'job.done' is not an event type"))
    }

    @Test("test-send reports the provider's answer: delivered (exit 0), or what tamwatch would do (exit 1)")
    func testSend() async throws {
        let dir = temporaryDirectory()
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { receiver.child.stop() }
        let gone = try await RawServerProcess.slackGone()
        defer { gone.stop() }
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try """
        channels:
          pipeline: { type: webhook, url: "\(receiver.url)", secret: "\(DeliveryEndToEndTests.secret)" }
          ops: { type: slack, url: "\(gone.url)" }
        """.write(to: config, atomically: true, encoding: .utf8)
        let sent = try ChildProcess(["test-send", "pipeline", "--config", config.path])
        #expect(try await sent.exitCode() == 0, "\(sent.stderr)")
        #expect(sent.stdoutLines.first?.hasPrefix("pipeline (webhook): HTTP 200") == true, "\(sent.stdoutLines)")
        #expect(sent.stdoutLines.first?.hasSuffix("→ delivered") == true)
        let entries = try receiver.entries()
        #expect(entries.count == 1 && entries[0].libraryOK && entries[0].type == "job.terminal")

        let refused = try ChildProcess(["test-send", "ops", "--config", config.path])
        #expect(try await refused.exitCode() == 1)
        #expect(refused.stdoutLines.first?.contains("HTTP 404 channel_not_found") == true, "\(refused.stdoutLines)")
        #expect(refused.stdoutLines.first?.contains("the channel would be disabled") == true)
    }
}

/// A Python one-liner HTTP server answering every POST like Slack does for a deleted channel.
struct RawServerProcess {
    let child: ChildProcess
    let url: String

    static func slackGone() async throws -> RawServerProcess {
        let script = """
            import http.server, signal, sys
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            class H(http.server.BaseHTTPRequestHandler):
                def log_message(self, *a): pass
                def do_POST(self):
                    self.rfile.read(int(self.headers.get('content-length', '0')))
                    body = b'channel_not_found'
                    self.send_response(404); self.send_header('content-length', str(len(body))); self.end_headers(); self.wfile.write(body)
            s = http.server.HTTPServer(('127.0.0.1', 0), H)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """
        let child = try ChildProcess(["python3", "-c", script], executable: "/usr/bin/env")
        try await child.waitFor(timeout: .seconds(20)) { !$0.isEmpty }
        guard let port = child.stdoutLines.first.flatMap({ Int($0) }) else { throw ChildError.timeout(child.stderr) }
        return RawServerProcess(child: child, url: "http://127.0.0.1:\(port)/services/T/B/X")
    }

    func stop() { child.stop() }
}
