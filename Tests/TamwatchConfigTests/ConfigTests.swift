import Foundation
import Testing

@testable import TamwatchApp
@testable import TamwatchConfig
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchTesting

@Suite("Configuration", .timeLimit(.minutes(5)))
struct ConfigTests {
    let env = ["OPENFUNNEL_API_KEY": "of_test", "SLACK_URL": "https://hooks.slack.com/x", "EMPTY": ""]

    func parse(_ text: String, env: [String: String]? = nil) throws(ConfigErrors) -> TamwatchConfig {
        try ConfigLoader(environment: env ?? self.env).parse(text, file: "conf/tamwatch.yaml", baseDirectory: "/etc/tw")
    }

    /// The single error a config produces.
    func error(_ text: String) -> ConfigError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.errors.first
        }
    }

    @Test("the documented example in config/tamwatch.yaml loads")
    func documentedExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/tamwatch.yaml").path
        let env = [
            "OPENFUNNEL_API_KEY": "of_x", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
            "WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "SMTP_PASSWORD": "pw",
        ]
        let config = try ConfigLoader(environment: env).load(path: path)
        #expect(config.api.key == "of_x")
        #expect(config.api.pollInterval == .seconds(10))
        #expect(config.channels.map(\.name).sorted() == ["ops", "owner", "pipeline"])
        #expect(config.rules.map(\.name) == ["finished", "owner-told", "the-list", "sales-progress", "everything-to-pipeline"])
        #expect(config.rules[0].matchers.isEmpty, "every build's end reaches the team, failed ones too")
        #expect(config.rules[1].matchers.map(\.op) == [.equal, .greaterOrEqual])
        #expect(config.rules[3].throttle == .seconds(600))
        #expect(config.results.dir?.hasSuffix("config/results") == true && config.guard.budget()?.maxCredits == 50000)
        #expect(config.channels.first { $0.name == "owner" }?.attachResults == true)
        let pipeline = try #require(config.channels.first { $0.name == "pipeline" })
        #expect(pipeline.retrySchedule == .webhookDefault)
        #expect(pipeline.concurrency == 16)
        #expect(pipeline.headers == [HTTPHeader("x-source", "tamwatch")])
        // Its templates (the shipped ones) load, and every rule's template exists.
        let setup = try DeliverySetup.load(config, transport: CurlTransport())
        #expect(setup.channels.map(\.config.name).sorted() == ["ops", "owner", "pipeline"])
        #expect(config.statePath.hasSuffix("config/tamwatch.sqlite"))
        // Without its secrets in the environment, the example names each missing one.
        do {
            _ = try ConfigLoader(environment: ["OPENFUNNEL_API_KEY": "of_x"]).load(path: path)
            Issue.record("expected errors for the unset secrets")
        } catch {
            #expect(error.errors.map(\.key) == ["channels.ops.url", "channels.pipeline.secret", "channels.owner.password"])
        }
    }

    @Test("values, defaults and ${VAR:-default} expansion")
    func values() throws {
        let c = try parse(
            """
            api:
              base_url: ${API_URL:-http://127.0.0.1:8787}
              key: ${OPENFUNNEL_API_KEY}
              poll_interval: 50ms
            state:
              path: data/state.sqlite
            watch:
              milestone_every: 5000
              stall_after: "off"
            """)
        #expect(c.api.baseURL == "http://127.0.0.1:8787")
        #expect(c.api.key == "of_test")
        #expect(c.api.pollInterval == .milliseconds(50))
        #expect(c.statePath == "/etc/tw/data/state.sqlite")
        #expect(c.watch.milestones == .every(5000))
        #expect(c.watch.stallAfter == nil)
        #expect(try parse("api:\n  key: \"a$${B}c${EMPTY:-d}\"\n").api.key == "a${B}cd")
        let empty = try parse("")
        #expect(empty.api.pollInterval == .seconds(10) && empty.statePath == "/etc/tw/tamwatch.sqlite")
    }

    @Test("a throttle on a rule that never receives job.progress is a warning naming it; on one that does, none")
    func throttleWarning() throws {
        let config = try parse(
            """
            channels:
              ops: { type: slack, url: "https://hooks.slack.com/x" }
            rules:
              - { name: ends, on: [job.terminal], to: [ops], throttle: 10m }
              - { name: pace, on: ["job.*"], to: [ops], throttle: 10m }
            """)
        #expect(config.warnings.map(\.key) == ["rules.ends.throttle"])
        #expect(config.warnings.first?.line == 4)
        #expect(config.warnings.first?.message.contains("job.progress only") == true)
    }

    @Test("ordered: chat and email by default, webhooks not; true or false overrides; anything else names line and key")
    func ordered() throws {
        let config = try parse(
            """
            channels:
              ops: { type: slack, url: "https://hooks.slack.com/x" }
              hook: { type: webhook, url: "https://hooks.example.com/x" }
              fast: { type: slack, url: "https://hooks.slack.com/y", ordered: false }
              seq: { type: webhook, url: "https://hooks.example.com/y", ordered: true }
            """)
        let byName = Dictionary(uniqueKeysWithValues: config.channels.map { ($0.name, $0.isOrdered) })
        #expect(byName == ["ops": true, "hook": false, "fast": false, "seq": true])
        let e = error("channels:\n  ops: { type: slack, url: \"https://hooks.slack.com/x\", ordered: yes }\n")
        #expect(e?.line == 2 && e?.key == "channels.ops.ordered" && e?.message == "'yes' is not true or false")
    }

    @Test("an unknown key names file, line and key")
    func unknownKey() throws {
        let e = try #require(error("api:\n  poll_intervall: 10s\n"))
        #expect(e.file == "conf/tamwatch.yaml" && e.line == 2 && e.key == "api.poll_intervall")
        #expect(e.description.hasPrefix("conf/tamwatch.yaml:2:3: api.poll_intervall: unknown key"))
    }

    @Test("a value from the environment shows in a problem as its variable, never as itself (it may be a secret)")
    func environmentValueMasked() throws {
        let secret = "s3cr3t-from-env"
        let text =
            "api:\n  key: k\nwatch:\n  stall_after: ${STALL}\nchannels:\n  mail:\n    type: email\n    url: smtp://m.example.com\n    from: tw@example.com\n    to: [\"${OWNER}\"]\n"
        var errors: [ConfigError] = []
        do { _ = try parse(text, env: ["STALL": secret, "OWNER": "\(secret)-owner"]) } catch { errors = error.errors }
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { !$0.description.contains(secret) }, "\(errors)")
        #expect(errors.first?.message.contains("'${STALL}'") == true, "\(errors)")
        #expect(errors.last?.message.contains("'${OWNER}'") == true, "\(errors)")
    }

    @Test("a bad duration names file, line and key")
    func badDuration() throws {
        let e = try #require(error("api:\n  key: k\nwatch:\n  stall_after: 30 minutes\n"))
        #expect(e.line == 4 && e.key == "watch.stall_after")
        #expect(e.message.contains("not a duration"))
    }

    @Test("state.retention: 30 days by default, a duration of an hour or more, or off; anything else names line and key")
    func retention() throws {
        #expect(try parse("api: { key: k }\n").retention == .seconds(30 * 86400))
        #expect(try parse("state:\n  retention: 7d\n").retention == .seconds(7 * 86400))
        #expect(try parse("state:\n  retention: off\n").retention == nil)
        let bad = try #require(error("state:\n  path: x.sqlite\n  retention: a month\n"))
        #expect(bad.line == 3 && bad.key == "state.retention" && bad.message.contains("not a duration"), "\(bad)")
        let short = try #require(error("state:\n  retention: 10m\n"))
        #expect(short.key == "state.retention" && short.message.contains("too short (at least 1h)"), "\(short)")
    }

    @Test("serve.tokens: named entries with a scope, the token or its SHA-256; the old bare list still read, as write, and deprecated")
    func scopedTokens() throws {
        let digest = String(repeating: "ab", count: 32)
        let config = try parse(
            """
            serve:
              tokens:
                - { name: ci, scope: write, token: "${T}" }
                - { name: team-page, scope: read, sha256: \(digest) }
            """, env: ["T": "0123456789abcdef0123"])
        #expect(
            config.serve.tokens == [
                ServeToken(name: "ci", scope: .write, secret: .plain("0123456789abcdef0123")),
                ServeToken(name: "team-page", scope: .read, secret: .sha256(Array(repeating: 0xab, count: 32))),
            ])
        #expect(config.deprecations.isEmpty)
        let old = try parse("serve:\n  tokens: [\"0123456789abcdef0123\"]\n")
        #expect(old.serve.tokens.map(\.scope) == [.write])
        #expect(
            old.deprecations.count == 1 && old.deprecations[0].contains("conf/tamwatch.yaml:2")
                && !old.deprecations[0].contains("0123456789"))
        let cases: [(String, String, String)] = [
            ("- { name: a, scope: admin, token: 0123456789abcdef0123 }", "serve.tokens[0].scope", "not read or write"),
            ("- { name: a, scope: read, sha256: abc }", "serve.tokens[0].sha256", "64 hexadecimal"),
            ("- { name: a, scope: read }", "serve.tokens[0]", "give token or sha256"),
            ("- { name: a, token: 0123456789abcdef0123 }", "serve.tokens[0].scope", "is required"),
            ("- { name: a, scope: read, token: short-secret }", "serve.tokens[0].token", "shorter than 16"),
            ("- { name: a, scope: read, token: 0123456789abcdef0123, role: x }", "serve.tokens[0].role", "unknown key"),
        ]
        for (entry, key, message) in cases {
            let e = try #require(error("serve:\n  tokens:\n    \(entry)\n"), "\(entry)")
            #expect(e.key == key && e.line == 3 && e.message.contains(message), "\(entry): \(e)")
            #expect(!e.description.contains("short-secret") && !e.description.contains("0123456789abcdef0123"))
        }
        let twice = try #require(
            error(
                "serve:\n  tokens:\n    - { name: a, scope: read, sha256: \(digest) }\n    - { name: a, scope: write, sha256: \(digest) }\n"
            ))
        #expect(twice.key == "serve.tokens[1].name" && twice.message.contains("names two tokens"))
    }

    @Test("serve: external_url, allowed_origins, max_connections, max_watches")
    func serveLimits() throws {
        let serve = try parse(
            """
            serve:
              external_url: https://tamwatch.example.com/
              allowed_origins: [https://ops.example.com, "http://10.0.0.5:8080"]
              max_connections: 500
              max_watches: 2000
            """
        ).serve
        #expect(serve.externalURL == "https://tamwatch.example.com/" && serve.maxConnections == 500 && serve.maxWatches == 2000)
        #expect(serve.allowedOrigins == ["https://ops.example.com", "http://10.0.0.5:8080"])
        #expect(try #require(error("serve:\n  external_url: tamwatch.example.com\n")).key == "serve.external_url")
        #expect(try #require(error("serve:\n  allowed_origins: [\"*\"]\n")).key == "serve.allowed_origins")
    }

    /// Every number a config holds, fed the values that break arithmetic: each is refused with its
    /// key, or read within its bounds; nothing traps.
    @Test("numbers at the edges: Int.max, -1, 0, 1e400, 2^53+1 in every numeric key")
    func numbersAtTheEdges() throws {
        let values = ["9223372036854775807", "-1", "0", "1e400", "9007199254740993", "nan", "18446744073709551616"]
        let fields: [(String, (String) -> String, (TamwatchConfig) -> Bool)] = [
            ("guard.max_credits", { "guard: { max_credits: \($0) }" }, { ($0.guard.maxCredits ?? 1) <= CreditBudget.largestBudget }),
            ("guard.warn_at", { "guard: { warn_at: \($0) }" }, { (0...1).contains($0.guard.warnAt) }),
            ("guard.min_balance", { "guard: { min_balance: \($0) }" }, { ($0.guard.minBalance ?? 0).isFinite }),
            ("results.top", { "results: { top: \($0) }" }, { (0...100).contains($0.results.top) }),
            ("serve.max_connections", { "serve: { max_connections: \($0) }" }, { ($0.serve.maxConnections ?? 1) <= 1_000_000 }),
            ("serve.max_watches", { "serve: { max_watches: \($0) }" }, { $0.serve.maxWatches <= 10_000_000 }),
            ("watch.milestone_every", { "watch: { milestone_every: \($0) }" }, { _ in true }),
            ("watch.milestones", { "watch: { milestones: [\($0)] }" }, { _ in true }),
            ("watch.stall_after", { "watch: { stall_after: \($0)s }" }, { ($0.watch.stallAfter ?? .zero) < .seconds(2_000_000_000) }),
            ("api.poll_interval", { "api: { poll_interval: \($0)ms }" }, { $0.api.pollInterval < .seconds(2_000_000_000) }),
            (
                "channels.ops.concurrency", { "channels: { ops: { type: webhook, url: \"https://h.example/x\", concurrency: \($0) } }" },
                { ($0.channels.first?.concurrency ?? 1) <= 1_000_000_000 }
            ),
        ]
        for (key, yaml, bounded) in fields {
            for value in values {
                do {
                    let config = try parse(yaml(value) + "\n")
                    #expect(bounded(config), "\(key) = \(value) read out of bounds")
                } catch {
                    let e = try #require(error.errors.first)
                    #expect(e.key.hasPrefix(key) && e.line == 1, "\(key) = \(value): \(e)")
                }
            }
        }
        let huge = try #require(error("guard: { max_credits: 1000000001 }\n"))
        #expect(huge.key == "guard.max_credits" && huge.message.contains("at most 1000000000"))
    }

    @Test("serve: listen and tokens; a bad address or a short token names line and key, never the token")
    func serve() throws {
        let defaults = try parse("api: { key: k }\n").serve
        #expect(defaults.listen == ListenAddress(host: "127.0.0.1", port: 9477) && defaults.listen.isLoopback && defaults.tokens.isEmpty)
        let set = try parse("serve:\n  listen: \"[::1]:8080\"\n  tokens: [\"${T}\"]\n", env: ["T": "0123456789abcdef0123"]).serve
        #expect(set.listen == ListenAddress(host: "::1", port: 8080) && set.listen.isLoopback)
        #expect(set.tokens == [ServeToken(name: "token-1", scope: .write, secret: .plain("0123456789abcdef0123"))])
        #expect(try parse("serve:\n  listen: :9000\n").serve.listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(try parse("serve:\n  listen: :9000\n").serve.listen.isLoopback == false)
        let bad = try #require(error("serve:\n  listen: localhost\n"))
        #expect(bad.line == 2 && bad.key == "serve.listen" && bad.message.contains("HOST:PORT"), "\(bad)")
        let port = try #require(error("serve:\n  listen: 127.0.0.1:99999\n"))
        #expect(port.key == "serve.listen")
        let short = try #require(error("serve:\n  tokens: [\"shortsecret\"]\n"))
        #expect(short.key == "serve.tokens" && short.message.contains("shorter than 16") && !short.description.contains("shortsecret"))
        #expect(try #require(error("serve:\n  port: 1\n")).key == "serve.port")
        // A token is a secret: masked wherever text is redacted.
        let config = try parse("serve:\n  tokens: [\"${T}\"]\n", env: ["T": "0123456789abcdef0123"])
        #expect(Redactor(config: config).redact("Bearer 0123456789abcdef0123") == "Bearer " + Redactor.mask)
    }

    @Test("results.top: 5 by default, 0 to 100, anything else names line and key")
    func resultsTop() throws {
        #expect(try parse("api: { key: k }\n").results.top == 5)
        #expect(try parse("results:\n  top: 0\n").results.top == 0)
        #expect(try parse("results:\n  top: 10\n").results.top == 10)
        let bad = try #require(error("results:\n  top: 500\n"))
        #expect(bad.line == 2 && bad.key == "results.top" && bad.message.contains("0 to 100"), "\(bad)")
        #expect(try #require(error("results:\n  tops: 5\n")).key == "results.tops")
    }

    @Test("a missing environment variable names file, line and key")
    func missingEnv() throws {
        let e = try #require(error("channels:\n  ops: { type: slack, url: \"${SLACK_WEBHOOK_URL}\" }\n"))
        #expect(e.line == 2 && e.key == "channels.ops.url")
        #expect(e.message.contains("SLACK_WEBHOOK_URL is not set"))
    }

    @Test("an unknown channel in a rule names file, line and key")
    func unknownChannel() throws {
        let e = try #require(
            error(
                """
                channels:
                  ops: { type: slack, url: "${SLACK_URL}" }
                rules:
                  - name: r
                    on: [job.terminal]
                    to: [opps]
                """))
        #expect(e.line == 6 && e.key == "rules[0].to")
        #expect(e.message.contains("unknown channel 'opps'") && e.message.contains("ops"))
    }

    @Test("a bad matcher names file, line and key")
    func badMatcher() throws {
        let e = try #require(
            error(
                """
                channels:
                  ops: { type: slack, url: "https://x" }
                rules:
                  - name: r
                    on: ["*"]
                    where: ["job.processed >= lots"]
                    to: [ops]
                """))
        #expect(e.line == 6 && e.key == "rules[0].where")
        #expect(e.message.contains("is not a number"))
    }

    @Test("an unknown channel type and an unknown event type")
    func unknownTypes() throws {
        let e = try #require(error("channels:\n  x: { type: pager, url: \"https://x\" }\n"))
        #expect(e.line == 2 && e.key == "channels.x.type" && e.message.contains("unknown channel type 'pager'"))
        let e2 = try #require(
            error("channels:\n  x: { type: slack, url: \"https://x\" }\nrules:\n  - { name: r, on: [job.finished], to: [x] }\n"))
        #expect(e2.line == 4 && e2.key == "rules[0].on" && e2.message.contains("unknown event type 'job.finished'"))
    }

    @Test("invalid YAML names the line and column")
    func invalidYAML() throws {
        let e = try #require(error("api:\n  key: [unclosed\n  poll_interval: 1s\n"))
        #expect(e.line != nil && e.message.hasPrefix("invalid YAML"))
    }

    @Test("every problem is reported in one run")
    func allProblems() {
        do {
            _ = try parse(
                """
                api:
                  poll_interval: soon
                  colour: blue
                watch:
                  milestones: [1000, -5]
                channels:
                  hook: { type: webhook, url: "ftp://x", secret: "plain" }
                """)
            Issue.record("expected errors")
        } catch {
            #expect(
                error.errors.map(\.key) == [
                    "api.poll_interval", "api.colour", "watch.milestones", "channels.hook.url", "channels.hook.secret",
                ])
        }
    }

    @Test("a secret's value never appears in an error")
    func secretNotShown() throws {
        let e = try #require(error("channels:\n  hook: { type: webhook, url: \"https://x\", secret: \"hunter2-very-secret\" }\n"))
        #expect(!e.description.contains("hunter2"))
    }

    @Test("a file that does not exist is an error naming it")
    func missingFile() {
        #expect(throws: ConfigErrors.self) { try ConfigLoader(environment: [:]).load(path: "/nonexistent/tamwatch.yaml") }
    }

    @Test("matchers parse fields, operators and quoted values")
    func matchers() throws {
        let m = try Matcher.parse(#"labels.team =~ "sales|ops""#).get()
        #expect(m.field == ["labels", "team"] && m.op == .matches && m.value == "sales|ops")
        #expect(try Matcher.parse("job.manifest.unique_count >= 1000").get().op == .greaterOrEqual)
        #expect(try Matcher.parse("data.status != completed").get().op == .notEqual)
        #expect((try? Matcher.parse("data.status").get()) == nil)
        #expect((try? Matcher.parse("labels.x =~ (unclosed").get()) == nil)
    }

    @Test("a duplicate key names the file, line, column and key, never the file's text (which holds literal secrets)")
    func duplicateKeyNoEcho() throws {
        let text =
            "api:\n  key: \"of_literal_secret_42\"\n  key: other\nchannels:\n  a: { type: webhook, url: \"http://x/\", secret: \"whsec_abc\" }\n"
        let e = try #require(error(text))
        #expect(e.line == 2 && e.column == 3 && e.key == "key", "\(e)")
        #expect(e.description.contains("duplicate key"))
        #expect(
            !e.description.contains("of_literal_secret_42") && !e.description.contains("whsec_abc") && !e.description.contains("channels"))
        // Any other YAML error is located, and quotes nothing of the file either.
        let broken = try #require(error("api:\n  key: \"of_literal_secret_42\n  x: [1, 2\n"))
        #expect(!broken.description.contains("of_literal_secret_42"), "\(broken)")
        let unterminated = try #require(
            error("channels:\n  a: { type: email, url: \"smtp://h:25\", from: a@b.co, to: [c@d.co], password: \"pw${NOT_CLOSED\" }\n"))
        #expect(!unterminated.description.contains("pw$"), "\(unterminated)")
    }

    @Test("a header value, username or password with a line break is refused after ${VAR} expansion, without showing it")
    func headerInjection() throws {
        let env = ["TOKEN": "abc\r\nX-Injected: yes", "OPENFUNNEL_API_KEY": "k"]
        do {
            _ = try parse(
                "channels:\n  hook: { type: webhook, url: \"https://h.example/\", headers: { authorization: \"Bearer ${TOKEN}\" } }\n",
                env: env)
            Issue.record("accepted a header with CR/LF")
        } catch {
            let e = try #require(error.errors.first)
            #expect(e.key == "channels.hook.headers.authorization" && e.line == 2, "\(e)")
            #expect(!e.description.contains("X-Injected"))
        }
        let name = try #require(error("channels:\n  hook: { type: webhook, url: \"https://h.example/\", headers: { \"bad name\": x } }\n"))
        #expect(name.key == "channels.hook.headers.bad name")
        let email = try #require(
            error("channels:\n  m: { type: email, url: \"smtp://h:25\", from: \"a@b.co\\r\\nBcc: v@y\", to: [c@d.co] }\n"))
        #expect(email.key == "channels.m.from", "\(email)")
    }

    @Test(
        "check values: a URL's scheme, host and port",
        arguments: [
            ("ftp://h.example/", "must start with"), ("https:///path", "has no host"), ("https://h.example:99999/", "port"),
            ("https://h.example:abc/", "port"), ("https://h.exa mple/", "space"),
        ])
    func urls(_ url: String, _ problem: String) throws {
        let e = try #require(error("channels:\n  hook: { type: webhook, url: \"\(url)\" }\n"))
        #expect(e.key == "channels.hook.url" && e.message.contains(problem), "\(e)")
        #expect(!e.message.contains(url), "the URL itself (a secret for chat webhooks) is not repeated")
    }

    /// A real self-signed certificate (EC P-256, made with openssl for these tests).
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBhjCCASugAwIBAgIUFNQDnJgyFBmSPqP+E4aiV8ZapAkwCgYIKoZIzj0EAwIw
        GDEWMBQGA1UEAwwNdGFtd2F0Y2gtdGVzdDAeFw0yNjExMzAwNDIxNTNaFw0zNjEx
        MjcwNDIxNTNaMBgxFjAUBgNVBAMMDXRhbXdhdGNoLXRlc3QwWTATBgcqhkjOPQIB
        BggqhkjOPQMBBwNCAAS7qsCMsOnAgXtd2eLgxkR54qUWHRoDfn87/CC16vJbyP+W
        x5qs2MXY+xfT2TVIAIICyMzMfEpLV5VOIDWxbMGJo1MwUTAdBgNVHQ4EFgQUE2GU
        JJHEWnJRdZf/ANNRQp8OfDAwHwYDVR0jBBgwFoAUE2GUJJHEWnJRdZf/ANNRQp8O
        fDAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA8wf2ZarMF0dE
        hbxGVXkFpTlnhAa6vY0toQmkzdDQE2sCIQDsRfMXkadAs2R849s4W4IhQMWybIak
        0PhaCK6S23lu2A==
        -----END CERTIFICATE-----
        """

    @Test("check values: ca_file exists and holds a PEM certificate (resolved against the config file's folder)")
    func caFile() throws {
        let folder = (temporaryPath("x") as NSString).deletingLastPathComponent
        try Self.certificate.write(toFile: folder + "/ca.pem", atomically: true, encoding: .utf8)
        try "not a certificate\n".write(toFile: folder + "/junk.pem", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".write(
            toFile: folder + "/broken.pem", atomically: true, encoding: .utf8)
        func load(_ caFile: String) throws(ConfigErrors) -> TamwatchConfig {
            try ConfigLoader(environment: env).parse(
                "channels:\n  hook: { type: webhook, url: \"https://h.example/\", ca_file: \"\(caFile)\" }\n",
                file: folder + "/tamwatch.yaml", baseDirectory: folder)
        }
        #expect(try load("ca.pem").channels.first?.caFile == folder + "/ca.pem")
        for (file, problem) in [
            ("missing.pem", "does not exist"), ("junk.pem", "holds no PEM certificate"), ("broken.pem", "not valid base64 DER"),
        ] {
            do {
                _ = try load(file)
                Issue.record("accepted \(file)")
            } catch {
                #expect(
                    error.errors.first?.key == "channels.hook.ca_file" && error.errors.first?.message.contains(problem) == true, "\(error)")
            }
        }
    }
}
