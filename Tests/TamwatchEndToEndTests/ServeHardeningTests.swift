import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchServe
import TamwatchTesting
import Testing

/// `tamwatch serve` as a hostile client, a hostile web page and a careless one would use it.
@Suite("tamwatch serve under attack", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ServeHardeningTests {
    static func config(in dir: URL, serve: String) throws -> String {
        let path = dir.appendingPathComponent("tamwatch.yaml").path
        try """
        state: { path: state.sqlite }
        guard: { warn_at: 1 }
        serve:
        \(serve)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a foreign page cannot change anything or read through a rebound name; a body must be JSON")
    func foreignPages() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let serve = try await ServeProcess.start(config: try Self.config(in: dir, serve: "  listen: 127.0.0.1:9477"), sim: sim)
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }
        let build = #"{"query": "cloud observability tools"}"#

        // What the attack sent: a text/plain body, a foreign Origin and a rebound Host.
        let attack = try await serve.call(
            "POST", "/api/v1/builds", body: build,
            headers: [HTTPHeader("Origin", "http://evil.example"), HTTPHeader("Host", "rebind.evil.example:\(serve.port)")],
            transport: http)
        #expect(attack.status == 421, "\(attack.text)")
        let plain = try await http.send(
            HTTPRequest(
                method: "POST", url: serve.url + "/api/v1/builds", headers: [HTTPHeader("Content-Type", "text/plain")],
                body: Array(build.utf8), timeout: .seconds(10)))
        #expect(plain.status == 415, "\(plain.bodyText)")
        let foreign = try await serve.call(
            "POST", "/api/v1/builds", body: build, headers: [HTTPHeader("Origin", "http://evil.example")], transport: http)
        #expect(foreign.status == 403 && foreign.json?["detail"]?.stringValue?.contains("serve.allowed_origins") == true)
        let sameSite = try await serve.call(
            "DELETE", "/api/v1/watches/anything", headers: [HTTPHeader("Sec-Fetch-Site", "same-site")], transport: http)
        #expect(sameSite.status == 403)
        // Reads through a rebound name fail too; the probes answer whatever the name.
        let read = try await serve.call("GET", "/api/v1/watches", headers: [HTTPHeader("Host", "rebind.evil.example")], transport: http)
        #expect(read.status == 421 && read.header("content-type") == "application/problem+json")
        let probe = try await serve.call("GET", "/-/healthy", headers: [HTTPHeader("Host", "rebind.evil.example")], transport: http)
        #expect(probe.status == 200)
        // Nothing was submitted: no watch exists.
        let watches = try await serve.call("GET", "/api/v1/watches", transport: http)
        #expect(watches.json?["data"]?.arrayItems.isEmpty == true, "\(watches.text)")

        // Its own page's request goes through: same origin, JSON.
        let own = try await serve.call(
            "POST", "/api/v1/builds", body: build,
            headers: [HTTPHeader("Origin", "http://127.0.0.1:\(serve.port)"), HTTPHeader("Sec-Fetch-Site", "same-origin")],
            transport: http)
        #expect(own.status == 201, "\(own.text)")

        // Invalid UTF-8 is refused, not turned into U+FFFD.
        let bytes: [UInt8] = Array(#"{"job_id": "ab"#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        let invalid = try await http.send(
            HTTPRequest(
                method: "POST", url: serve.url + "/api/v1/watches", headers: [HTTPHeader("Content-Type", "application/json")],
                body: bytes, timeout: .seconds(10)))
        #expect(invalid.status == 400 && invalid.bodyText.contains("UTF-8"), "\(invalid.bodyText)")
    }

    @Test("numbers at the edges in every numeric field of the API; job ids by one rule; a prefix is told to use the whole id")
    func numbersAndIds() async throws {
        let dir = temporaryDirectory()
        // Slow builds: every watch stays active for the whole test.
        let sim = try await SimulatorProcess.start(step: "100ms")
        defer { sim.child.stop() }
        // At trace level every poll is logged: the wait for "another poll" below follows them.
        let serve = try await ServeProcess.start(
            config: try Self.config(in: dir, serve: "  listen: 127.0.0.1:9477\n  max_watches: 2"), sim: sim,
            extra: ["--log-level", "trace"])
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }
        let job = try await sim.submit(nil)

        let edges = ["9223372036854775807", "-1", "0", "1e400", "9007199254740993", "1000000001", "1.5", "\"5\""]
        for value in edges {
            for (path, body) in [
                ("/api/v1/builds", #"{"query": "x", "max_credits": \#(value)}"#),
                ("/api/v1/watches", #"{"job_id": "\#(job)", "max_credits": \#(value)}"#),
            ] {
                let answer = try await serve.call("POST", path, body: body, transport: http)
                #expect(answer.status == 422, "\(path) max_credits \(value): \(answer.text)")
                #expect(answer.json?["errors"]?[0]?["field"]?.stringValue == "max_credits")
            }
            let limit = try await serve.call("GET", "/api/v1/watches?limit=\(value)", transport: http)
            #expect(limit.status == 400, "limit \(value)")
            let after = try await serve.call("GET", "/api/v1/watches/\(job)/events?after=\(value)", transport: http)
            #expect([400, 404].contains(after.status), "after \(value): \(after.status)")
            if Int64(value).map({ $0 >= 0 }) != true {
                let stream = try await serve.call("GET", "/api/v1/events", headers: [HTTPHeader("Last-Event-ID", value)], transport: http)
                #expect(stream.status == 400, "Last-Event-ID \(value)")
            }
        }
        // A cursor ahead of the store's (a client whose server lost its state) is told to start
        // over, from the newest event there is, instead of waiting forever.
        let ahead = try serve.sse(headers: ["Last-Event-ID: 9223372036854775807"])
        defer { ahead.close() }
        #expect(await ahead.wait(timeout: .seconds(10)) { $0.messages.contains { $0.event == "reset" } })
        let reset = try #require(ahead.messages.first { $0.event == "reset" })
        #expect(reset.id != nil && reset.data.contains(#""last_event_id":9223372036854775807"#), "\(reset)")
        // The largest budget is taken, with guard.warn_at: 1, and polls that count companies go
        // on (this trapped once, at the first such poll, and again at every restart).
        let largest = try await serve.call(
            "POST", "/api/v1/watches", body: #"{"job_id": "\#(job)", "max_credits": 1000000000}"#, transport: http)
        #expect(largest.status == 201, "\(largest.text)")
        let counting = try await serve.until("/api/v1/watches/\(job)", transport: http) { ($0.json?["processed"]?.intValue ?? 0) > 0 }
        #expect(counting.json?["max_credits"]?.intValue == 1_000_000_000)
        // Another counted poll after that one, and the process still answers.
        let first = counting.json?["last_polled_at"]?.stringValue
        _ = try await serve.until("/api/v1/watches/\(job)", transport: http) { $0.json?["last_polled_at"]?.stringValue != first }
        #expect(try await serve.call("GET", "/-/healthy", transport: http).status == 200)

        // Job ids: one rule, named in the answer.
        let long = String(repeating: "a", count: 129)
        for bad in [#"a\u0000b"#, "..", ".", "a/b", "a b", "a%2Fb", long, "ünïcode", "a?b", #"a\nb"#] {
            let answer = try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(bad)"}"#, transport: http)
            #expect(answer.status == 422 && answer.json?["errors"]?[0]?["field"]?.stringValue == "job_id", "\(bad): \(answer.text)")
        }
        // Labels: the rule --label follows (a bidirectional override is refused at both doors).
        let bidi = try await serve.call(
            "POST", "/api/v1/watches", body: #"{"job_id": "\#(job)", "labels": {"owner": "ana\u202egro"}}"#, transport: http)
        #expect(bidi.status == 422 && bidi.json?["errors"]?[0]?["field"]?.stringValue == "labels.owner", "\(bidi.text)")
        for path in ["/api/v1/watches/a%00b", "/api/v1/watches/%2E%2E", "/api/v1/watches/a%20b/events"] {
            #expect(try await serve.call("GET", path, transport: http).status == 404, "\(path)")
        }
        let other = try await sim.submit(nil)
        let prefix = try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(other.prefix(8))"}"#, transport: http)
        #expect(prefix.status == 404 && prefix.text.contains("use the whole id"), "\(prefix.text)")
        #expect(prefix.json?["errors"]?[0]?["field"]?.stringValue == "job_id")
        let unknown = try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "no-such-build-anywhere"}"#, transport: http)
        #expect(unknown.status == 404 && unknown.text.contains("OpenFunnel has no build"), "\(unknown.text)")

        // serve.max_watches: 2 active at once; the next is a 429 that says why, before any credit is spent.
        let running = try await sim.submit(nil)
        #expect(try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(running)"}"#, transport: http).status == 201)
        let third = try await sim.submit(nil)
        let full = try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(third)"}"#, transport: http)
        #expect(full.status == 429 && full.text.contains("serve.max_watches") && full.header("retry-after") != nil, "\(full.text)")
        #expect(try await serve.call("POST", "/api/v1/builds", body: #"{"query": "x"}"#, transport: http).status == 429)
        #expect(try await serve.call("POST", "/api/v1/watches/\(running)/stop", transport: http).status == 200)
        #expect(try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(third)"}"#, transport: http).status == 201)
    }

    @Test("tokens with scopes: a read token only looks; a page session reads, and changes only with its CSRF token")
    func scopesAndSessions() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let reader = "team-read-only-token-0123456789"
        let tokens = """
              tokens:
                - { name: ci, scope: write, token: "${E2E_SERVE_TOKEN}" }
                - { name: team, scope: read, sha256: \(NewToken.sha256(of: reader)) }
            """
        var serve = try await ServeProcess.start(
            config: try Self.config(in: dir, serve: tokens), sim: sim, environment: ["E2E_SERVE_TOKEN": ServeProcess.token])
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }
        let job = try await sim.submit("paused")
        let register = #"{"job_id": "\#(job)"}"#

        func call(_ method: String, _ path: String, token: String? = nil, body: String? = nil, headers: [HTTPHeader] = []) async throws
            -> ServeProcess.Answer
        {
            let auth = token.map { [HTTPHeader("Authorization", "bearer \($0)")] } ?? []
            return try await serve.call(method, path, body: body, headers: auth + headers, auth: false, transport: http)
        }
        #expect(try await call("GET", "/api/v1/watches", token: reader).status == 200)
        #expect(try await call("GET", "/metrics", token: reader).status == 200)
        let refused = try await call("POST", "/api/v1/watches", token: reader, body: register)
        #expect(refused.status == 403 && refused.text.contains("read scope"), "\(refused.text)")
        #expect(try await call("GET", "/api/v1/watches", token: reader + "x").status == 401)

        // The page's session: signed, expiring, HttpOnly; reads work; a change needs the CSRF token
        // that only the page served to this session carries.
        let login = try await call("GET", "/?access_token=\(ServeProcess.token)")
        let setCookie = try #require(login.header("set-cookie"))
        #expect(setCookie.contains("Max-Age=") && setCookie.contains("HttpOnly") && !setCookie.contains(ServeProcess.token))
        let cookie = HTTPHeader("Cookie", String(setCookie.prefix { $0 != ";" }))
        #expect(try await call("GET", "/api/v1/watches", headers: [cookie]).status == 200)
        let noCSRF = try await call("POST", "/api/v1/watches", body: register, headers: [cookie])
        #expect(noCSRF.status == 403 && noCSRF.text.contains("X-CSRF-Token"))
        let page = try await call("GET", "/", headers: [cookie])
        let csrf = try #require(page.text.firstMatch(of: /name="csrf-token" content="([0-9a-f]{64})"/)?.1)
        #expect(page.header("content-security-policy")?.contains("frame-ancestors 'none'") == true)
        #expect(page.header("content-security-policy")?.contains("'unsafe-inline'") == false)
        let wrongCSRF = try await call(
            "POST", "/api/v1/watches", body: register, headers: [cookie, HTTPHeader("X-CSRF-Token", String(repeating: "0", count: 64))])
        #expect(wrongCSRF.status == 403)
        let withCSRF = try await call(
            "POST", "/api/v1/watches", body: register, headers: [cookie, HTTPHeader("X-CSRF-Token", String(csrf))])
        #expect(withCSRF.status == 201, "\(withCSRF.text)")
        // A page without a session carries no CSRF token.
        #expect(try await call("GET", "/", token: ServeProcess.token).text.contains(#"content="""#))
        // Ready: the reason, if any, only for a caller with a token.
        #expect(try await call("GET", "/-/ready").json?["status"]?.stringValue == "ok")
        serve.token = ServeProcess.token
        #expect(try await serve.call("DELETE", "/api/v1/watches/\(job)", transport: http).status == 204)
        #expect(try await serve.call("GET", "/api/v1/watches/\(job)", transport: http).status == 404, "deleted: gone")
    }

    @Test("the old list of bare tokens still works, as write, with a warning that names the file and line")
    func deprecatedTokens() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let serve = try await ServeProcess.start(
            config: try Self.config(in: dir, serve: "  tokens: [\"${E2E_SERVE_TOKEN}\"]"), sim: sim,
            environment: ["E2E_SERVE_TOKEN": ServeProcess.token], token: ServeProcess.token)
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }
        #expect(try await serve.call("GET", "/api/v1/watches", transport: http).status == 200)
        #expect(
            serve.child.stderr.contains("tamwatch.yaml:4: serve.tokens as a list of bare tokens is deprecated"), "\(serve.child.stderr)")
        #expect(!serve.child.stderr.contains(ServeProcess.token))
    }
}
