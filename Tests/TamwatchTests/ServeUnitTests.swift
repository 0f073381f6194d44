import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchServe

/// The service's pure parts: tokens and cookies, cursors, stream filters, readiness, problems,
/// what a channel shows of its URL.
@Suite("serve: the pure parts")
struct ServeUnitTests {
    func request(_ path: String, headers: HTTPFields = [:]) -> Request {
        Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "x", path: path, headerFields: headers),
            body: .init(buffer: ByteBuffer()))
    }

    @Test("a token in the header, the session cookie, or the query where allowed; nothing else")
    func auth() {
        let token = "0123456789abcdef-token"
        let auth = Auth(tokens: ["another-token-of-some-length", token])
        #expect(auth.allows(request("/api/v1/watches", headers: [.authorization: "Bearer \(token)"]), queryToken: false))
        #expect(!auth.allows(request("/api/v1/watches", headers: [.authorization: "Bearer \(token)x"]), queryToken: false))
        #expect(!auth.allows(request("/api/v1/watches", headers: [.authorization: "bearer \(token)"]), queryToken: false))
        #expect(!auth.allows(request("/api/v1/watches", headers: [.authorization: "Basic \(token)"]), queryToken: false))
        #expect(!auth.allows(request("/api/v1/watches"), queryToken: true))
        let session = Auth.session(for: token)
        #expect(session.count == 64 && !session.contains(token))
        #expect(auth.allows(request("/", headers: [.cookie: "theme=dark; \(Auth.cookieName)=\(session)"]), queryToken: false))
        #expect(
            !auth.allows(request("/", headers: [.cookie: "\(Auth.cookieName)=\(token)"]), queryToken: false), "the token is not a session")
        #expect(auth.allows(request("/api/v1/events?access_token=\(token)"), queryToken: true))
        #expect(!auth.allows(request("/api/v1/watches?access_token=\(token)"), queryToken: false), "the query only where allowed")
        #expect(Auth(tokens: []).allows(request("/metrics"), queryToken: false), "no tokens configured: open")
        #expect(Auth.unauthorized.headers[.wwwAuthenticate] == "Bearer")
    }

    @Test("cursors round-trip and refuse what this server did not give out")
    func cursors() {
        for n: Int64 in [0, 1, 49, 1_000_000, Int64.max] { #expect(Cursor.decode(Cursor.encode(n)) == n) }
        #expect(!Cursor.encode(12).contains("12"), "opaque")
        // Not base64, base64 of something else ("12"), a negative position ("c-1"), not a number.
        for bad in ["", "garbage!", "%%%", "MTI", "Yy0x", "Y2FiYw"] { #expect(Cursor.decode(bad) == nil, "\(bad)") }
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
