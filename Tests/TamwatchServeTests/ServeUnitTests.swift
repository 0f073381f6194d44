import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import TamwatchConfig
@testable import TamwatchHub
@testable import TamwatchModel
@testable import TamwatchServe
@testable import TamwatchStore

extension Int64 {
    /// 36^12: one past the largest twelve-digit base-36 number.
    fileprivate var power12: Int64 { (0..<11).reduce(self) { acc, _ in acc * 36 } }
}

/// The service's pure parts: tokens and cookies, cursors, stream filters, readiness, problems,
/// what a channel shows of its URL.
@Suite("serve: the pure parts", .timeLimit(.minutes(5)))
struct ServeUnitTests {
    func request(_ path: String, headers: HTTPFields = [:]) -> Request {
        Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "x", path: path, headerFields: headers),
            body: .init(buffer: ByteBuffer()))
    }

    func auth(_ tokens: [ServeToken]) -> Auth { Auth(tokens: tokens) }

    @Test("tokens: the header (any case of Bearer), a signed session, the query only where allowed; scopes; digests")
    func auth() throws {
        let token = "0123456789abcdef-token"
        let reader = "a-read-only-token-for-the-team"
        let auth = Auth(tokens: [
            ServeToken(name: "other", scope: .write, secret: .plain("another-token-of-some-length")),
            ServeToken(name: "ci", scope: .write, secret: .plain(token)),
            // Given as its SHA-256, as `tamwatch token` prints it.
            ServeToken(name: "team", scope: .read, secret: .sha256(Auth.digest(reader))),
        ])
        let watches = "/api/v1/watches"
        #expect(auth.principal(request(watches, headers: [.authorization: "Bearer \(token)"]))?.name == "ci")
        #expect(auth.principal(request(watches, headers: [.authorization: "bearer \(token)"]))?.name == "ci", "the scheme's case")
        #expect(auth.principal(request(watches, headers: [.authorization: "BEARER  \(token)"]))?.scope == .write)
        #expect(auth.principal(request(watches, headers: [.authorization: "Bearer \(reader)"]))?.scope == .read)
        for bad in ["Bearer \(token)x", "Bearer \(token.dropLast())", "Basic \(token)", "Bearer", "Bearer "] {
            #expect(auth.principal(request(watches, headers: [.authorization: bad])) == nil, "\(bad)")
        }
        #expect(auth.principal(request(watches)) == nil)
        #expect(auth.principal(request("/?access_token=\(token)"), queryToken: true)?.name == "ci")
        #expect(auth.principal(request("/api/v1/events?access_token=\(token)")) == nil, "the query only where allowed")

        // A session: signed, expiring, bound to the token; its CSRF token differs from it.
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let entry = try #require(auth.entry(token: token))
        let session = auth.newSession(for: entry, now: now)
        #expect(!session.contains(token) && !session.contains(Auth.hex(entry.digest)))
        let cookie: HTTPFields = [.cookie: "theme=dark; \(Auth.cookieName)=\(session)"]
        let viaCookie = try #require(auth.principal(request("/", headers: cookie), now: now.addingTimeInterval(60)))
        #expect(viaCookie.name == "ci" && viaCookie.scope == .write && viaCookie.session == session)
        #expect(auth.principal(request("/", headers: cookie), now: now.addingTimeInterval(auth.sessionLifetime + 1)) == nil, "expired")
        var forged = Array(session)
        forged[forged.count - 3] = forged[forged.count - 3] == "A" ? "B" : "A"
        #expect(auth.principal(request("/", headers: [.cookie: "\(Auth.cookieName)=\(String(forged))"]), now: now) == nil, "tampered")
        let upgraded = session.replacingOccurrences(of: ".write.", with: ".read.")
        #expect(auth.principal(request("/", headers: [.cookie: "\(Auth.cookieName)=\(upgraded)"]), now: now) == nil)
        #expect(
            Auth(tokens: [ServeToken(name: "ci", scope: .write, secret: .plain(token))]).session(session, now: now) == nil,
            "another start's key")
        #expect(
            auth.principal(request("/", headers: [.cookie: "\(Auth.cookieName)=\(token)"]), now: now) == nil, "the token is not a session")
        let csrf = auth.csrf(for: session)
        #expect(csrf.count == 64 && auth.csrfMatches(csrf, session: session) && !auth.csrfMatches(nil, session: session))
        #expect(!auth.csrfMatches(auth.csrf(for: auth.newSession(for: entry, now: now)), session: session))
        #expect(auth.setCookie(session).contains("HttpOnly; SameSite=Strict") && !auth.setCookie(session).contains("Secure"))
        #expect(Auth(tokens: [], secureCookie: true).setCookie("x").hasSuffix("; Secure"))
        #expect(!Auth(tokens: []).required)
        #expect(Auth.unauthorized.headers[.wwwAuthenticate] == "Bearer")
    }

    func policyRequest(_ method: HTTPRequest.Method, host: String = "127.0.0.1:9477", headers: HTTPFields = [:]) -> Request {
        Request(
            head: HTTPRequest(method: method, scheme: "http", authority: host, path: "/api/v1/builds", headerFields: headers),
            body: .init(buffer: ByteBuffer()))
    }

    @Test("Host names this service; a change comes from its own origin or an allowed one, as JSON")
    func policy() throws {
        let policy = RequestPolicy(
            listen: ListenAddress(host: "127.0.0.1", port: 9477), externalURL: "https://tamwatch.example.com/",
            allowedOrigins: ["https://ops.example.com"])
        let machine = ProcessInfo.processInfo.hostName
        for host in [
            "127.0.0.1:9477", "localhost:9477", "[::1]:9477", "10.1.2.3", "tamwatch.example.com", "TAMWATCH.example.com:443", machine,
        ] {
            #expect(throws: Never.self, "\(host)") { try policy.checkHost(policyRequest(.get, host: host)) }
        }
        for host in ["rebind.evil.example:9477", "127.evil.example", "localhost.evil.example"] {
            #expect(throws: Problem.self, "\(host)") { try policy.checkHost(policyRequest(.get, host: host)) }
        }
        let json: HTTPFields = [.contentType: "application/json; charset=utf-8", .contentLength: "2"]
        #expect(throws: Never.self) { try policy.checkChange(policyRequest(.post, headers: json)) }
        #expect(throws: Never.self) { try policy.checkChange(policyRequest(.post)) }
        var same = json
        same[.origin] = "http://127.0.0.1:9477"
        same[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
        #expect(throws: Never.self) { try policy.checkChange(policyRequest(.post, headers: same)) }
        for origin in ["https://ops.example.com", "https://tamwatch.example.com:443"] {
            var allowed = json
            allowed[.origin] = origin
            allowed[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            #expect(throws: Never.self, "\(origin)") { try policy.checkChange(policyRequest(.post, headers: allowed)) }
        }
        for origin in ["http://evil.example", "null", "http://127.0.0.1:9478", "https://127.0.0.1:9477.evil.example"] {
            var foreign = json
            foreign[.origin] = origin
            #expect(throws: Problem.self, "\(origin)") { try policy.checkChange(policyRequest(.post, headers: foreign)) }
        }
        #expect(throws: Problem.self) {
            try policy.checkChange(policyRequest(.delete, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]))
        }
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            #expect(throws: Problem.self, "\(type)") {
                try policy.checkChange(policyRequest(.post, headers: [.contentType: type, .contentLength: "10"]))
            }
        }
        #expect(throws: Problem.self, "a body without a type") {
            try policy.checkChange(policyRequest(.post, headers: [.contentLength: "10"]))
        }
    }

    @Test("loopback is parsed, not prefixed; web origins are normalised")
    func addresses() {
        for host in ["127.0.0.1", "127.255.0.9", "localhost", "::1", "0:0:0:0:0:0:0:1"] {
            #expect(ListenAddress.isLoopback(host), "\(host)")
        }
        for host in ["127.evil.tld", "128.0.0.1", "0.0.0.0", "::", "::2", "localhost.evil", "1270.0.0.1"] {
            #expect(!ListenAddress.isLoopback(host), "\(host)")
        }
        #expect(WebOrigin("HTTPS://Example.com:443/path")?.description == "https://example.com")
        #expect(WebOrigin("http://10.0.0.5:9477")?.description == "http://10.0.0.5:9477")
        #expect(WebOrigin("http://[::1]:80")?.description == "http://[::1]")
        for bad in ["example.com", "ftp://example.com", "http://", "http://a:99999", "http://user@host", "null"] {
            #expect(WebOrigin(bad) == nil, "\(bad)")
        }
    }

    @Test("cursors round-trip; every text of their declared pattern decodes; nothing else does")
    func cursors() throws {
        for n: Int64 in [0, 1, 49, 1_000_000, Int64(36).power12 - 1] { #expect(Cursor.decode(Cursor.encode(n)) == n) }
        #expect(Cursor.encode(12) == "cc")
        let pattern = try Regex(Cursor.pattern)
        for text in ["c0", "czzzzzzzzzzzz".dropLast().description, "c1a2b"] {
            #expect(text.wholeMatch(of: pattern) != nil && Cursor.decode(text) != nil, "\(text)")
        }
        for bad in ["", "c", "12", "C12", "c-1", "c1A", "c" + String(repeating: "z", count: 13), "c1 ", "%%%"] {
            #expect(Cursor.decode(bad) == nil, "\(bad)")
        }
    }

    @Test("stream filters: the job, type globs, every label")
    func filters() {
        func event(_ type: EventType, job: String = "j1", labels: [String: String] = [:]) -> Event {
            Event(id: "e", type: type, jobId: job, sequence: 1, occurredAt: Date(), data: .object([]), job: .null, labels: labels)
        }
        #expect(EventFilter().matches(event(.terminal)))
        #expect(EventFilter(jobId: "j1").matches(event(.terminal)) && !EventFilter(jobId: "j2").matches(event(.terminal)))
        let jobs = EventFilter(types: ["job.*"])
        #expect(jobs.matches(event(.bandCompleted)) && !jobs.matches(event(.watchError)))
        #expect(EventFilter(types: ["watch.error", "job.terminal"]).matches(event(.watchError)))
        #expect(!EventFilter(types: ["job.terminal"]).matches(event(.progress)))
        let labelled = EventFilter(labels: [("team", "growth"), ("owner", "ana")])
        #expect(labelled.matches(event(.progress, labels: ["team": "growth", "owner": "ana", "x": "y"])))
        #expect(!labelled.matches(event(.progress, labels: ["team": "growth"])))
        #expect(EventFilter(types: ["job.*"]).key != EventFilter(types: ["job.terminal"]).key)
        #expect(EventFilter(jobId: "a", labels: [("k", "v")]).key == EventFilter(jobId: "a", labels: [("k", "v")]).key)
        // One label whose value holds `&` and `=` is not two labels.
        #expect(EventFilter(labels: [("a", "b&c=d")]).key != EventFilter(labels: [("a", "b"), ("c", "d")]).key)
        #expect(EventFilter(types: ["a,b"]).key != EventFilter(types: ["a", "b"]).key)
    }

    @Test("a credit budget's arithmetic never traps, whatever was stored")
    func budgetArithmetic() {
        for share in [1.0, 0.8, 0.0, .infinity, .nan, -1] {
            for max in [Int.max, Int.min, 1, 0, -1, CreditBudget.largestBudget] {
                let budget = CreditBudget(maxCredits: max, warnAt: share)
                _ = budget.warnThreshold
                for processed in [0, 1, Int.max, Int.min, -1] { #expect(budget.left(after: processed) >= 0) }
            }
        }
        #expect(CreditBudget(maxCredits: Int.max, warnAt: 1).warnThreshold == Int.max)
        #expect(CreditBudget(maxCredits: 1000, warnAt: 0.8).warnThreshold == 800)
        #expect(CreditBudget(maxCredits: 1000).left(after: 250) == 750)
        #expect(CreditBudget(maxCredits: 1000).left(after: 2000) == 0)
    }

    @Test("one job-id rule: unreserved characters, 1 to 128, not only dots")
    func jobIds() {
        for good in ["8a8e2c1f-1b2c-4d5e-9f00-112233445566", "a", "job_1.2~x", String(repeating: "z", count: 128), "..a"] {
            #expect(JobID.problem(good) == nil, "\(good)")
        }
        for bad in ["", ".", "..", "...", "a/b", "a\u{0}b", "a b", "a%2Fb", "a?b", "a#b", "ü", String(repeating: "z", count: 129), "a\nb"] {
            #expect(JobID.problem(bad) != nil, "\(bad.debugDescription)")
        }
        #expect(JobID.problem("a\u{0}b")?.contains("U+0") == true, "a control character is named, not printed")
    }

    @Test("one label rule for --label and the API: no '=', control characters or bidi overrides in it; bounded")
    func labels() {
        #expect(Label.problem(key: "owner", value: "ana@example.com") == nil)
        #expect(Label.problem(key: "ü-key", value: "") == nil)
        for (key, value) in [
            ("", "v"), ("a=b", "v"), ("k", "line\nbreak"), ("k", "tab\there"), ("k", "\u{1b}[31m"), ("k", "a\u{202e}b"),
            ("k\u{2066}", "v"), ("k", "\u{85}"), (String(repeating: "k", count: 65), "v"), ("k", String(repeating: "v", count: 1025)),
        ] {
            #expect(Label.problem(key: key, value: value) != nil, "\(key.debugDescription)=\(value.debugDescription)")
        }
    }

    @Test("readiness: starting until everything runs, stopping from the first moment of a shutdown")
    func readiness() {
        let r = Readiness()
        #expect(r.reason == "starting: waiting for the watcher, dispatcher, listener")
        r.set(watcher: true, dispatcher: true)
        #expect(r.reason == "starting: waiting for the listener")
        r.set(listening: true)
        #expect(r.reason == nil)
        r.set(stopping: true)
        #expect(r.reason == "stopping")
    }

    @Test("a problem is RFC 9457 JSON: type, title, status as a number, detail, errors by field")
    func problem() {
        let p = Problem.invalid([.init("max_credits", "expected a positive whole number"), .init("labels.a", "expected a string")])
        #expect(p.status == .unprocessableContent)
        #expect(p.json["status"] == .int(422) && p.json["type"]?.stringValue == "about:blank")
        #expect(p.json["detail"]?.stringValue == "max_credits: expected a positive whole number; labels.a: expected a string")
        #expect(p.json["errors"]?[1]?["field"]?.stringValue == "labels.a")
        #expect(Problem.notFound("job x").json["errors"] == nil)
    }

    @Test("a channel shows its host: no scheme, path, query, user or password")
    func channelHost() {
        func host(_ url: String, _ type: ChannelType = .webhook) -> String {
            ChannelInfo(ChannelConfig(name: "c", type: type, url: url)).host
        }
        #expect(host("https://hooks.slack.com/services/T000/B000/XXXX") == "hooks.slack.com")
        #expect(host("https://user:secret@example.com:8443/hook?token=abc#x") == "example.com:8443")
        #expect(host("smtps://bot:pw@smtp.example.com:465", .email) == "smtp.example.com:465")
        #expect(host("http://127.0.0.1:9/tam?secret=s") == "127.0.0.1:9")
    }
}

@Suite("serve: /metrics", .timeLimit(.minutes(5)))
struct MetricsTests {
    @Test("every metric family has a HELP text, per-channel, HTTP and replica ones included, and each is the documented one")
    func helpTexts() throws {
        let metrics = ServeMetrics(channels: ["pipeline"])
        metrics.request(method: "GET", route: "/metrics", status: 200, duration: .milliseconds(2))
        metrics.leases(LeaseCensus(activeWatches: 3, liveOwners: 2, unheldWatches: 0), held: 1)
        let text = String(decoding: metrics.scrape(watchCounts: ["running": 1], outbox: [], now: Date()), as: UTF8.self)
        let lines = text.split(separator: "\n")
        let typed = Set(lines.filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        let helped = Dictionary(
            lines.filter { $0.hasPrefix("# HELP ") }.map { line -> (String, String) in
                let parts = line.split(separator: " ", maxSplits: 3)
                return (String(parts[2]), parts.count > 3 ? String(parts[3]) : "")
            }, uniquingKeysWith: { a, _ in a })
        #expect(typed.count >= 20, "\(typed.sorted())")
        #expect(typed == Set(helped.keys), "without HELP: \(typed.subtracting(helped.keys).sorted())")
        #expect(typed == Set(ServeMetrics.help.keys), "named but never made, or made but not named")
        for (name, help) in helped { #expect(help == ServeMetrics.help[name], "\(name)") }
    }
}
