import Foundation
import Logging
import Synchronization
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchConsole
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchOpenFunnel
@testable import TamwatchRules
@testable import TamwatchSQLite
@testable import TamwatchStore
@testable import TamwatchTesting
@testable import TamwatchWatch

@Suite("Secrets stay out of everything tamwatch stores, logs, prints or sends", .timeLimit(.minutes(5)))
struct RedactionTests {
    @Test("every configured secret is masked: the API key, signing secrets, SMTP passwords, header tokens, webhook URLs")
    func configSecrets() throws {
        var config = TamwatchConfig()
        config.api.key = "of_live_key_123"
        var hook = ChannelConfig(name: "hook", type: .webhook, url: "https://hooks.example/secret-path")
        hook.secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
        hook.headers = [HTTPHeader("authorization", "Bearer tok_abcdef")]
        var mail = ChannelConfig(name: "mail", type: .email, url: "smtp://mail.example:25")
        mail.password = "hunter22"
        config.channels = [hook, mail, ChannelConfig(name: "ops", type: .slack, url: "https://hooks.slack.com/services/T/B/X")]
        let r = Redactor(config: config, apiKey: "of_env_key_456")
        let text =
            "of_live_key_123 of_env_key_456 whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw tok_abcdef "
            + "hunter22 https://hooks.slack.com/services/T/B/X https://hooks.example/secret-path smtp://mail.example:25"
        let masked = r.redact(text)
        for secret in ["of_live", "of_env", "MfKQ", "tok_abc", "hunter22", "services/T", "secret-path"] {
            #expect(!masked.contains(secret), "\(secret) in \(masked)")
        }
        #expect(masked.contains("smtp://mail.example:25"), "an SMTP server's address is not a secret")
        #expect(Redactor(secrets: ["k"]).redact("keep k") == "keep k", "a one-letter value would blank out ordinary text")
    }

    @Test("an API that echoes the key in a 401 body does not get it into the watch.error event")
    func echoedKey() async throws {
        let key = "of_echoed_key_9876"
        let body = #"{"detail":"invalid API key of_echoed_key_9876 for this workspace"}"#
        let server = try RawHTTPServer(
            .respond("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        defer { server.close() }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let store = try SQLiteStore(path: temporaryPath("s.sqlite"))
        let sink = CollectingSink()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let watcher = Watcher(
            client: OpenFunnelClient(baseURL: "http://127.0.0.1:\(server.port)", apiKey: key, transport: transport),
            store: store, sink: sink,
            settings: WatchSettings(
                schedule: PollSchedule(interval: .milliseconds(50), maxInterval: .seconds(1)),
                diff: DiffSettings(), notFoundGrace: .seconds(1), giveUpAfter: .seconds(1)),
            clock: ManualClock(), logger: logger)
        #expect(try await watcher.watch(job: "j") == .unwatchable(kind: "unauthorized"))
        let events = await sink.events
        let text = events.map { $0.json.serialized() }.joined()
        #expect(text.contains("invalid API key [redacted] for this workspace"), "\(text)")
        #expect(!text.contains(key))
        #expect(try await store.events(jobId: "j").allSatisfy { !$0.json.serialized().contains(key) })
    }

    @Test("a provider's answer that quotes a secret is stored masked", .timeLimit(.minutes(1)))
    func answerMasked() async throws {
        let answer = "Webhook message delivery failed: token tok_teams_secret_1 was rejected"
        let server = try RawHTTPServer(.respond("HTTP/1.1 200 OK\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)"))
        defer { server.close() }
        var config = ChannelConfig(name: "teams", type: .teams, url: "http://127.0.0.1:\(server.port)/teams")
        config.retry = [.seconds(60)]
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let store = try SQLiteStore(path: temporaryPath("s.sqlite"))
        let clock = ManualClock()
        let event = sampleEvent(.terminal)
        let d = Delivery(
            id: "dlv_1", eventId: event.id, jobId: event.jobId, eventType: .terminal, channel: "teams", rule: "r",
            message: RenderedMessage(body: "{}"), folded: 0, createdAt: event.occurredAt)
        _ = try await store.commit(
            jobId: event.jobId, state: WatchState(lastProgressAt: clock.now()), labels: [:], events: [event],
            deliveries: [d], at: clock.now())
        let dispatcher = Dispatcher(
            store: store, channels: [ChatChannel(provider: Teams.self, config: config, transport: transport)], clock: clock,
            jitter: { 0.5 }, redactor: Redactor(secrets: ["tok_teams_secret_1"]))
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        var stored: StoredDelivery?
        for try await all in store.deliveryUpdates() where all.first?.attempts == 1 {
            stored = all.first
            break
        }
        let error = try #require(stored?.lastError)
        #expect(error.contains("token [redacted] was rejected"), "\(error)")
        #expect(!error.contains("tok_teams_secret_1"))
    }

    @Test("the log handler masks secrets and escapes control characters")
    func logHandler() {
        let captured = Mutex<[String]>([])
        struct Capture: LogHandler {
            let sink: @Sendable (String) -> Void
            var logLevel: Logger.Level = .trace
            var metadata: Logger.Metadata = [:]
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { nil }
                set {}
            }
            func log(event: LogEvent) { sink(event.message.description) }
        }
        Redaction.install(Redaction.current.adding(["of_logged_key_55"]))
        let logger = Logger(label: "t") { _ in SafeLogHandler(wrapping: Capture { text in captured.withLock { $0.append(text) } }) }
        logger.error("refused of_logged_key_55 \u{1B}[2Jcleared\nforged line")
        #expect(captured.withLock { $0 } == [#"refused [redacted] \e[2Jcleared\nforged line"#])
    }

    @Test("terminal text: controls, escape sequences, C1 and bidi overrides are shown escaped; plain text is untouched")
    func terminalText() {
        #expect(TerminalText.safe("band 201-1000: validating 5000 · ✅") == "band 201-1000: validating 5000 · ✅")
        #expect(TerminalText.safe("\u{1B}]0;pwned\u{07}x\r\ny\t\u{9B}2J\u{202E}") == #"\e]0;pwned\u{7}x\r\ny\t\u{9b}2J\u{202e}"#)
    }
}
