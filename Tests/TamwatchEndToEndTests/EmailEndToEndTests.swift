import Foundation
import TamwatchModel
import TamwatchSQLite
import TamwatchTesting
import Testing

/// `Tests/receivers/smtp_server.py`: aiosmtpd on a free loopback port, logging each message
/// parsed by Python's email package.
struct SMTPServerProcess {
    let child: ChildProcess
    let port: Int
    let log: URL
    let dir: URL

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("receivers/smtp_server.py").path

    static func start(
        in dir: URL, mode: String = "plain", user: String? = nil, password: String? = nil,
        rcptPlan: String = "", dataReply: String? = nil
    ) async throws -> SMTPServerProcess {
        let log = dir.appendingPathComponent("smtp-\(UUID().uuidString.prefix(8)).log")
        var args = ["python3", script, "--log", log.path, "--mode", mode, "--tls-dir", dir.path, "--rcpt-plan", rcptPlan]
        if let user, let password { args += ["--user", user, "--password", password] }
        if let dataReply { args += ["--data-reply", dataReply] }
        let child = try ChildProcess(args, executable: "/usr/bin/env")
        try await child.waitFor(timeout: .seconds(30)) { !$0.isEmpty }
        let port = try #require(child.stdoutLines.first.flatMap { Int($0) }, "SMTP server did not start: \(child.stderr)")
        return SMTPServerProcess(child: child, port: port, log: log, dir: dir)
    }

    var certificate: String { dir.appendingPathComponent("cert.pem").path }

    func entries(_ event: String) throws -> [JSONValue] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }.filter { $0["event"]?.stringValue == event }
    }
}

@Suite("Email over SMTP, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct EmailEndToEndTests {
    /// A config with one email channel; `extra` adds keys to it.
    static func config(in dir: URL, url: String, extra: String = "") throws -> String {
        let path = dir.appendingPathComponent("tamwatch.yaml").path
        try """
        state: { path: state.sqlite }
        channels:
          owner:
            type: email
            url: "\(url)"
            from: "tamwatch <tam@example.com>"
            to: ["{{labels.owner}}", "ops@example.com"]
            retry: [200ms, 400ms]
            \(extra)
        rules:
          - { name: done, on: [job.terminal], to: [owner] }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func testSend(_ config: String, env: [String: String] = [:]) async throws -> ChildProcess {
        let c = try ChildProcess(["test-send", "owner", "--config", config], environment: env)
        _ = try await c.exitCode()
        return c
    }

    @Test("plain SMTP: multipart/alternative, plain text first; Date, Message-ID, From, To; a non-ASCII subject that decodes; CRLF")
    func plain() async throws {
        let dir = temporaryDirectory()
        let smtp = try await SMTPServerProcess.start(in: dir)
        defer { smtp.child.stop() }
        let config = try Self.config(in: dir, url: "smtp://127.0.0.1:\(smtp.port)", extra: "starttls: off")
        let sent = try await Self.testSend(config)
        #expect(sent.stdoutLines.first?.contains("→ delivered") == true, "\(sent.stdoutLines) \(sent.stderr)")

        let message = try #require(try smtp.entries("message").first)
        #expect(message["mail_from"]?.stringValue == "tam@example.com")
        #expect(
            message["rcpt_tos"] == .array([.string("ana@example.com"), .string("ops@example.com")]), "recipients templated from labels")
        #expect(
            message["subject"]?.stringValue
                == "✅ Test: TAM build completed · cloud observability and monitoring tools · build 8a8e8a97 · 21,815 companies")
        let line = sent.stdoutLines.first ?? ""
        #expect(line.hasPrefix("owner (email): SMTP 250 ") && !line.contains("250 250"), "the code said once: \(line)")
        #expect(message["raw_subject"]?.stringValue?.hasPrefix("=?UTF-8?B?") == true, "encoded on the wire")
        let headers = message["headers"]?.serialized() ?? ""
        for header in ["date", "message-id", "from", "to", "subject", "mime-version"] {
            #expect(headers.contains("\"\(header)\""), "header \(header) in \(headers)")
        }
        #expect(
            message["parts"] == .array(["multipart/alternative", "text/plain", "text/html"].map(JSONValue.string)),
            "the message is multipart/alternative, plain text first: \(message["parts"]?.serialized() ?? "")")
        #expect(
            message["texts"]?["text/plain"]?.stringValue?.contains("Next: This is a test message from tamwatch test-send") == true,
            "marked as a test")
        #expect(message["texts"]?["text/html"]?.stringValue?.contains("<h2") == true)
        #expect(message["crlf"] == .bool(true))
        #expect(message["message_id"]?.stringValue?.hasSuffix("@tamwatch>") == true)
    }

    @Test("STARTTLS with a certificate the test made, and AUTH: accepted; a wrong password says so plainly")
    func startTLSAndAuth() async throws {
        let dir = temporaryDirectory()
        let smtp = try await SMTPServerProcess.start(in: dir, mode: "starttls", user: "bot", password: "right-pw")
        defer { smtp.child.stop() }
        let good = try Self.config(
            in: dir, url: "smtp://127.0.0.1:\(smtp.port)",
            extra: "username: bot\n    password: \"${SMTP_PASSWORD}\"\n    ca_file: \"\(smtp.certificate)\"")
        let sent = try await Self.testSend(good, env: ["SMTP_PASSWORD": "right-pw"])
        #expect(sent.stdoutLines.first?.contains("→ delivered") == true, "\(sent.stdoutLines) \(sent.stderr)")
        let message = try #require(try smtp.entries("message").first)
        #expect(message["tls"] == .bool(true) && message["authenticated"] == .bool(true))

        let refused = try await Self.testSend(good, env: ["SMTP_PASSWORD": "wrong-pw"])
        #expect(try await refused.exitCode() == 1)
        #expect(
            refused.stdoutLines.first?.contains("SMTP authentication failed: the server refused the username or password (535)") == true,
            "\(refused.stdoutLines)")
        #expect(!(refused.stdoutLines + [refused.stderr]).joined().contains("wrong-pw"), "the password is never printed")

        // STARTTLS required (the default) against the same server without trusting its certificate.
        let untrusted = try Self.config(in: dir, url: "smtp://127.0.0.1:\(smtp.port)", extra: "username: bot\n    password: right-pw")
        let tls = try await Self.testSend(untrusted)
        #expect(try await tls.exitCode() == 1)
        #expect(tls.stdoutLines.first?.contains("TLS") == true, "\(tls.stdoutLines)")
    }

    @Test("smtps:// is TLS from the first byte")
    func implicitTLS() async throws {
        let dir = temporaryDirectory()
        let smtp = try await SMTPServerProcess.start(in: dir, mode: "smtps", user: "bot", password: "pw")
        defer { smtp.child.stop() }
        let config = try Self.config(
            in: dir, url: "smtps://127.0.0.1:\(smtp.port)",
            extra: "username: bot\n    password: pw\n    ca_file: \"\(smtp.certificate)\"")
        let sent = try await Self.testSend(config)
        #expect(sent.stdoutLines.first?.contains("→ delivered") == true, "\(sent.stdoutLines) \(sent.stderr)")
        // The server speaks TLS only (aiosmtpd does not flag implicit TLS in its session): a message
        // arriving at all means the whole conversation was encrypted.
        #expect(try smtp.entries("message").count == 1)
        #expect(try smtp.entries("auth").first?["ok"] == .bool(true))
    }

    @Test("a 4xx reply is retried and then delivered; a 5xx reply is dead at once (through watch and the outbox)")
    func retryAndDead() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let flaky = try await SMTPServerProcess.start(in: dir, rcptPlan: "451")
        defer { flaky.child.stop() }
        let config = try Self.config(in: dir, url: "smtp://127.0.0.1:\(flaky.port)", extra: "starttls: off")
        let job = try await sim.submit("normal")
        let watch = try ChildProcess(
            [
                "watch", job, "--config", config, "--api-url", sim.url, "--poll-interval", "50ms",
                "--label", "owner=ana@example.com", "--no-progress",
            ],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        #expect(watch.stderr.contains("SMTP 451 (temporary; curl: "), "\(watch.stderr)")
        let store = try SQLiteStore(path: dir.appendingPathComponent("state.sqlite").path)
        let sent = try await store.deliveries(status: .sent)
        #expect(sent.count == 1 && sent.first?.attempts == 2, "\(sent.map { "\($0.attempts) \($0.lastError ?? "")" })")
        #expect(try flaky.entries("message").count == 1)
        let listed = try ChildProcess(["deliveries", "--config", config])
        #expect(try await listed.exitCode() == 0)
        #expect(
            listed.stdoutLines.contains { $0.contains("SMTP 250") } && !listed.stdoutLines.joined().contains("HTTP"),
            "an SMTP answer is labelled SMTP: \(listed.stdoutLines)")

        let refusing = try await SMTPServerProcess.start(in: dir, rcptPlan: "550,550")
        defer { refusing.child.stop() }
        let dead = try Self.config(in: dir, url: "smtp://127.0.0.1:\(refusing.port)", extra: "starttls: off")
        let result = try await Self.testSend(dead)
        #expect(try await result.exitCode() == 1)
        #expect(result.stdoutLines.first?.contains("would be dead-lettered: SMTP 550") == true, "\(result.stdoutLines)")
        #expect(try refusing.entries("message").isEmpty)
    }

    @Test("a label cannot add a recipient or a header: an address that is not one is left out and reported; a long subject is folded")
    func injection() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let smtp = try await SMTPServerProcess.start(in: dir)
        defer { smtp.child.stop() }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("tpl/email"), withIntermediateDirectories: true)
        try "{{labels.topic}} · {{summary}}".write(
            to: dir.appendingPathComponent("tpl/email/long.subject.txt"), atomically: true, encoding: .utf8)
        try "{{summary}}".write(to: dir.appendingPathComponent("tpl/email/long.txt"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("tamwatch.yaml").path
        try """
        state: { path: state.sqlite }
        templates: tpl
        channels:
          owner:
            type: email
            url: "smtp://127.0.0.1:\(smtp.port)"
            starttls: off
            from: "tamwatch <tam@example.com>"
            to: ["{{labels.owner}}", "ops@example.com"]
        rules:
          - { name: done, on: [job.terminal], to: [owner], template: long }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let topic = (1...30).map { "word\($0)" }.joined(separator: " ")
        let job = try await sim.submit("normal")
        let watch = try ChildProcess(
            [
                "watch", job, "--config", config, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress",
                "--label", "owner=ana@example.com, victim@evil.example", "--label", "topic=\(topic)",
            ],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        #expect(
            watch.stderr.contains("recipient 'ana@example.com, victim@evil.example' is not an email address; left out"), "\(watch.stderr)")
        let message = try #require(try smtp.entries("message").first)
        #expect(message["rcpt_tos"] == .array([.string("ops@example.com")]))
        #expect(message["to"]?.stringValue == "ops@example.com")
        #expect(message["subject"]?.stringValue == "\(topic) · completed · 21,815 companies")
        let lines =
            (message["header_lines"].flatMap { v -> [String]? in
                guard case .array(let items) = v else { return nil }
                return items.compactMap(\.stringValue)
            }) ?? []
        // curl writes the Content-Type line with its own boundary; every line tamwatch writes fits.
        let ours = lines.filter { !$0.hasPrefix("Content-Type:") }
        #expect(ours.allSatisfy { $0.count <= 78 }, "header lines: \(ours.filter { $0.count > 78 })")
        #expect(lines.contains { $0.hasPrefix("Subject: ") } && lines.contains { $0.hasPrefix(" ") }, "the subject was folded: \(lines)")
        let store = try SQLiteStore(path: dir.appendingPathComponent("state.sqlite").path)
        #expect(
            try await store.deliveries(status: .sent).first?.delivery.renderError?.contains("victim@evil.example") == true,
            "the dropped recipient is recorded with the delivery")
    }
}
