import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchServe
import TamwatchTesting
import Testing

@Suite("tamwatch serve, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ServeEndToEndTests {
    /// A config with one signed webhook channel for every event, and serve's tokens.
    static func writeConfig(in dir: URL, receiver: String, tokens: Bool = false) throws -> String {
        let path = dir.appendingPathComponent("tamwatch.yaml").path
        try """
        state: { path: state.sqlite }
        serve:
          \(tokens ? "tokens: [\"${E2E_SERVE_TOKEN}\"]" : "listen: 127.0.0.1:9477")
        channels:
          pipeline:
            type: webhook
            url: "\(receiver)"
            secret: "${E2E_WEBHOOK_SECRET}"
            retry: [100ms, 200ms, 400ms]
            concurrency: 4
        rules:
          - name: everything
            on: ["*"]
            to: [pipeline]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a build submitted through the API: its events live on the stream and in the API, deliveries with attempts, metrics that moved")
    func buildThroughAPI() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { receiver.child.stop() }
        let serve = try await ServeProcess.start(config: try Self.writeConfig(in: dir, receiver: receiver.url), sim: sim)
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }

        let stream = try serve.sse("/api/v1/events?label=team=growth")
        defer { stream.close() }
        #expect(await stream.wait { $0.status != nil && $0.retry != nil })
        #expect(stream.status == 200)
        #expect(stream.retry == 3000)

        let created = try await serve.call(
            "POST", "/api/v1/builds", body: #"{"query": "cloud observability tools", "labels": {"team": "growth"}}"#, transport: http)
        #expect(created.status == 201, "\(created.text)")
        let jobId = try #require(created.json?["job_id"]?.stringValue)
        #expect(created.header("location") == "/api/v1/watches/\(jobId)")
        #expect(created.json?["labels"]?["team"]?.stringValue == "growth")
        #expect(created.json?["query"]?.stringValue == "cloud observability tools", "the watch knows its query before any poll")

        // The stream carries every event up to the end, in order, ids increasing.
        #expect(await stream.wait { $0.events.contains { $0.event == "job.terminal" } }, "stream: \(stream.events.map(\.event))")
        let streamed = stream.envelopes
        #expect(streamed.allSatisfy { $0["job_id"]?.stringValue == jobId })
        // From the first event (the pending build has no rows yet): the query it was submitted with.
        #expect(streamed.allSatisfy { $0["data"]?["query"]?.stringValue == "cloud observability tools" })
        #expect(streamed.compactMap { $0["sequence"]?.intValue } == Array(1...streamed.count))
        let ids = stream.events.compactMap { $0.id.flatMap { Int($0) } }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)

        let watch = try await serve.until("/api/v1/watches/\(jobId)", transport: http) { $0.json?["active"]?.boolValue == false }
        #expect(watch.json?["status"]?.stringValue == "completed")
        #expect(watch.json?["bands_done"]?.intValue == 6)
        #expect(watch.json?["processed"]?.intValue == 21815)
        #expect(watch.json?["finished_at"]?.stringValue != nil)
        #expect(watch.json?["last_polled_at"]?.stringValue != nil)

        // The watch's events, walked three at a time: each once, the same as streamed.
        var walked: [String] = []
        var cursor: String?
        repeat {
            let page = try await serve.call(
                "GET", "/api/v1/watches/\(jobId)/events?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), transport: http)
            #expect(page.status == 200)
            walked += page.json?["data"]?.arrayItems.compactMap { $0["id"]?.stringValue } ?? []
            cursor = page.json?["next_cursor"]?.stringValue
        } while cursor != nil
        #expect(walked == streamed.compactMap { $0["id"]?.stringValue })
        let after = try await serve.call("GET", "/api/v1/watches/\(jobId)/events?after=\(walked.count - 2)", transport: http)
        #expect(after.json?["data"]?.arrayItems.count == 2)

        // Every event delivered; each delivery has its attempt on record.
        let settled = try await serve.until("/api/v1/deliveries?status=pending", transport: http) {
            $0.json?["data"]?.arrayItems.isEmpty == true
        }
        #expect(settled.status == 200)
        let deliveries = try await serve.call("GET", "/api/v1/deliveries?job_id=\(jobId)&limit=500", transport: http)
        let sent = deliveries.json?["data"]?.arrayItems ?? []
        #expect(sent.count == walked.count)
        #expect(sent.allSatisfy { $0["status"]?.stringValue == "sent" })
        let first = try #require(sent.last?["id"]?.stringValue)
        let one = try await serve.call("GET", "/api/v1/deliveries/\(first)", transport: http)
        let attempt = try #require(one.json?["attempts"]?.arrayItems.first)
        #expect(attempt["status_code"]?.intValue == 200)
        #expect((attempt["duration_ms"]?.intValue ?? -1) >= 0)
        #expect(attempt["at"]?.stringValue != nil)
        #expect(Set(try receiver.acknowledged()) == Set(walked))

        // Replay: queued again under the same webhook-id, and it arrives.
        let replayed = try await serve.call("POST", "/api/v1/deliveries/\(first)/replay", transport: http)
        #expect(replayed.status == 202, "\(replayed.text)")
        let eventId = try #require(one.json?["event_id"]?.stringValue)
        _ = try await serve.until("/api/v1/deliveries/\(first)", transport: http) { $0.json?["attempts"]?.arrayItems.count == 2 }
        #expect(try receiver.acknowledged().filter { $0 == eventId }.count == 2)

        // Metrics moved by exactly what happened.
        let m = try await serve.metrics(transport: http)
        var byType: [String: Int] = [:]
        for e in streamed { byType[e["type"]?.stringValue ?? "", default: 0] += 1 }
        for type in EventType.allCases {
            #expect(m["tamwatch_events_total{type=\"\(type.rawValue)\"}"] == Double(byType[type.rawValue] ?? 0), "\(type)")
        }
        #expect(m["tamwatch_deliveries_total{channel=\"pipeline\",result=\"sent\"}"] == Double(walked.count + 1))
        #expect(m["tamwatch_deliveries_total{channel=\"pipeline\",result=\"dead\"}"] == 0)
        #expect(m["tamwatch_credits_consumed_total"] == 21815)
        #expect((m["tamwatch_polls_total{result=\"ok\"}"] ?? 0) >= Double(byType["job.progress"] ?? 1))
        #expect(m["tamwatch_polls_total{result=\"http_5xx\"}"] == 0)
        #expect(m["tamwatch_watches{status=\"completed\"}"] == 1)
        #expect(m["tamwatch_watches{status=\"running\"}"] == 0)
        #expect(m["tamwatch_sse_clients"] == 1)
        #expect(m["tamwatch_outbox_pending{channel=\"pipeline\"}"] == 0)
        #expect(m["tamwatch_build_info{version=\"\(TamwatchVersion.current)\"}"] == 1)
        #expect((m["tamwatch_poll_duration_seconds_count"] ?? 0) > 0)
        #expect(m["tamwatch_delivery_latency_seconds_count{channel=\"pipeline\"}"] == Double(walked.count + 1))
        #expect(m["tamwatch_http_requests_total{method=\"POST\",route=\"/api/v1/builds\",status=\"201\"}"] == 1)
        #expect(m.keys.allSatisfy { !$0.contains(jobId) }, "no per-job label")
    }

    @Test("every route's errors are problem+json naming what is wrong; tokens, cookies and the open health routes")
    func errorsAndAuth() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let config = try Self.writeConfig(in: dir, receiver: "http://127.0.0.1:9/hook?secret=url-secret-value", tokens: true)
        var serve = try await ServeProcess.start(config: config, sim: sim, environment: ["E2E_SERVE_TOKEN": ServeProcess.token])
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }

        // No token, a wrong one: 401 with a problem and WWW-Authenticate; health stays open.
        for path in ["/api/v1/watches", "/metrics", "/", "/api/v1/events"] {
            let bare = try await serve.call("GET", path, transport: http)
            #expect(bare.status == 401, "\(path)")
            #expect(bare.header("content-type") == "application/problem+json")
            #expect(bare.header("www-authenticate") == "Bearer")
            #expect(bare.json?["status"]?.intValue == 401)
        }
        let wrong = try await serve.call("GET", "/api/v1/watches", headers: [HTTPHeader("Authorization", "Bearer nope")], transport: http)
        #expect(wrong.status == 401)
        #expect(try await serve.call("GET", "/-/healthy", transport: http).status == 200)
        #expect(try await serve.call("HEAD", "/-/ready", transport: http).status == 200)
        let ready = try await serve.call("GET", "/-/ready", transport: http)
        #expect(ready.json?["status"]?.stringValue == "ok")

        // The page's token becomes an HttpOnly cookie, which then opens the API and the stream.
        let login = try await serve.call("GET", "/?access_token=\(ServeProcess.token)", transport: http)
        #expect(login.status == 303)
        #expect(login.header("location") == "/")
        let cookie = try #require(login.header("set-cookie"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        #expect(!cookie.contains(ServeProcess.token))
        let session = String(cookie.prefix { $0 != ";" })
        #expect(try await serve.call("GET", "/api/v1/watches", headers: [HTTPHeader("Cookie", session)], transport: http).status == 200)
        let page = try await serve.call("GET", "/", headers: [HTTPHeader("Cookie", session)], transport: http)
        #expect(page.status == 200 && page.text.contains("<title>tamwatch</title>"))
        // A token in an address ends up in proxy logs: only the page's login takes one.
        let streamByQuery = try await serve.call("GET", "/api/v1/events?access_token=\(ServeProcess.token)", auth: false, transport: http)
        #expect(streamByQuery.status == 401)

        serve.token = ServeProcess.token
        func problem(_ method: String, _ path: String, body: String? = nil, _ status: Int, field: String? = nil) async throws {
            let answer = try await serve.call(method, path, body: body, transport: http)
            #expect(answer.status == status, "\(method) \(path): \(answer.text)")
            #expect(answer.header("content-type") == "application/problem+json", "\(method) \(path)")
            #expect(answer.json?["status"]?.intValue == status)
            #expect(answer.json?["title"]?.stringValue != nil)
            if let field {
                #expect(answer.json?["detail"]?.stringValue?.contains(field) == true, "\(method) \(path): \(answer.text)")
                if status == 422 { #expect(answer.json?["errors"]?.arrayItems.contains { $0["field"]?.stringValue == field } == true) }
            }
        }
        try await problem("POST", "/api/v1/watches", body: "{not json", 400, field: "body")
        try await problem("POST", "/api/v1/watches", body: "[1]", 400, field: "body")
        try await problem("POST", "/api/v1/watches", body: "{}", 422, field: "job_id")
        try await problem("POST", "/api/v1/watches", body: #"{"job_id": "a b"}"#, 422, field: "job_id")
        try await problem("POST", "/api/v1/watches", body: #"{"job_id": "j1", "lables": {}}"#, 422, field: "lables")
        try await problem("POST", "/api/v1/watches", body: #"{"job_id": "j1", "labels": {"a": 1}}"#, 422, field: "labels.a")
        try await problem("POST", "/api/v1/watches", body: #"{"job_id": "j1", "labels": {"a": "x\ny"}}"#, 422, field: "labels.a")
        try await problem("POST", "/api/v1/watches", body: #"{"job_id": "j1", "max_credits": 0}"#, 422, field: "max_credits")
        try await problem("POST", "/api/v1/watches", body: #"{"job_id": "j1", "guard_action": "explode"}"#, 422, field: "guard_action")
        try await problem("POST", "/api/v1/builds", body: #"{"labels": {}}"#, 422, field: "query")
        try await problem("GET", "/api/v1/watches?limit=0", 400, field: "limit")
        try await problem("GET", "/api/v1/watches?limit=501", 400, field: "limit")
        try await problem("GET", "/api/v1/watches?cursor=garbage", 400, field: "cursor")
        try await problem("GET", "/api/v1/watches?active=maybe", 400, field: "active")
        try await problem("GET", "/api/v1/watches?label=nokey", 400, field: "label")
        try await problem("GET", "/api/v1/deliveries?status=lost", 400, field: "status")
        try await problem("GET", "/api/v1/events?type=job.nothing", 400, field: "type")
        try await problem("GET", "/api/v1/watches/nope", 404, field: "nope")
        try await problem("DELETE", "/api/v1/watches/nope", 404, field: "nope")
        try await problem("POST", "/api/v1/watches/nope/stop", 404, field: "nope")
        try await problem("TRACE", "/api/v1/watches", 405, field: "TRACE is not allowed")
        try await problem("PUT", "/-/healthy", 405, field: "PUT is not allowed")
        try await problem("POST", "/api/v1/watches/nope/cancel", 404, field: "nope")
        try await problem("GET", "/api/v1/watches/nope/events", 404, field: "nope")
        try await problem("GET", "/api/v1/deliveries/dlv_nope", 404, field: "dlv_nope")
        try await problem("POST", "/api/v1/deliveries/dlv_nope/replay", 404, field: "dlv_nope")
        try await problem("GET", "/api/v1/nothing", 404, field: "/api/v1/nothing")

        // Register: 201, again 200 (the same watch); a finished build's cancel passes OpenFunnel's 409 through.
        let job = try await sim.submit(nil)
        let first = try await serve.call(
            "POST", "/api/v1/watches", body: #"{"job_id": "\#(job)", "labels": {"owner": "ana"}}"#, transport: http)
        #expect(first.status == 201)
        let again = try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(job)"}"#, transport: http)
        #expect(again.status == 200)
        #expect(again.json?["created_at"] == first.json?["created_at"])
        _ = try await serve.until("/api/v1/watches/\(job)", transport: http) { $0.json?["status"]?.stringValue == "completed" }
        try await problem("POST", "/api/v1/watches/\(job)/cancel", 409, field: "already finished")
        try await problem("POST", "/api/v1/watches/\(job)/pause", 409)

        // A cursor walk over watches sees each once, newest first; filters hold on every page.
        var registered = [job]
        var walk: [String] = []
        var stopped: ServeProcess.Answer?
        for _ in 0..<6 {
            let id = try await sim.submit(nil)
            walk.append(id)
            let r = try await serve.call(
                "POST", "/api/v1/watches", body: #"{"job_id": "\#(id)", "labels": {"walk": "yes"}}"#, transport: http)
            #expect(r.status == 201)
            registered.append(id)
            // Stop: at once, while its build still runs (it would finish in a couple of seconds).
            if stopped == nil { stopped = try await serve.call("POST", "/api/v1/watches/\(id)/stop", transport: http) }
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await serve.call("GET", "/api/v1/watches?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), transport: http)
            seen += page.json?["data"]?.arrayItems.compactMap { $0["job_id"]?.stringValue } ?? []
            cursor = page.json?["next_cursor"]?.stringValue
        } while cursor != nil
        #expect(seen == registered.reversed())
        let labelled = try await serve.call("GET", "/api/v1/watches?label=walk=yes&limit=500", transport: http)
        #expect(labelled.json?["data"]?.arrayItems.count == 6)
        let completed = try await serve.call("GET", "/api/v1/watches?status=completed", transport: http)
        let completedItems = completed.json?["data"]?.arrayItems ?? []
        #expect(completedItems.contains { $0["job_id"]?.stringValue == job })
        #expect(completedItems.allSatisfy { $0["status"]?.stringValue == "completed" })

        // Stop: 200 and no longer active; the history stays.
        #expect(stopped?.status == 200)
        #expect(stopped?.json?["active"]?.boolValue == false)
        #expect(stopped?.json?["stopped_at"]?.stringValue != nil, "\(stopped?.text ?? "")")
        let inactive = try await serve.call("GET", "/api/v1/watches?active=false", transport: http)
        #expect(inactive.json?["data"]?.arrayItems.contains { $0["job_id"]?.stringValue == walk[0] } == true)

        // No secret in any answer or log line: the API key, the token, the webhook URL's query and secret.
        let secrets = [SimulatorProcess.key, ServeProcess.token, "url-secret-value", DeliveryEndToEndTests.secret]
        let channels = try await serve.call("GET", "/api/v1/channels", transport: http)
        #expect(channels.json?["data"]?[0]?["host"]?.stringValue == "127.0.0.1:9")
        var texts = [channels.text, page.text, first.text, completed.text, login.text]
        for path in ["/api/v1/deliveries?limit=500", "/metrics", "/api/v1/openapi.yaml", "/api/v1/watches/\(job)/events?limit=500"] {
            texts.append(try await serve.call("GET", path, transport: http).text)
        }
        await serve.child.stop()
        texts.append(serve.child.stderr)
        for secret in secrets { #expect(texts.allSatisfy { !$0.contains(secret) }, "a secret leaked") }
        #expect(serve.child.stderr.contains("watching job"), "the log says what happened: \(serve.child.stderr)")
    }

    /// The document itself (a constant) against the reference validator and the route table;
    /// that serve answers with it is the schemathesis test's first step.
    @Test("openapi.yaml is valid OpenAPI 3.1 and describes exactly the routes the server has")
    func openAPIMatchesRoutes() async throws {
        let file = temporaryDirectory().appendingPathComponent("openapi.yaml")
        try OpenAPIDocument.yaml.write(to: file, atomically: true, encoding: .utf8)
        let check = try ChildProcess(
            ["python3", ServePageTests.root.appendingPathComponent("Tests/browser/openapi_check.py").path, file.path],
            executable: "/usr/bin/env")
        #expect(try await check.exitCode() == 0, "\(check.stderr)")
        let documented = Set(check.stdoutLines.filter { !$0.isEmpty })
        let routes = Set(Endpoint.allCases.map { "\($0.method.rawValue) \($0.path)" })
        #expect(!documented.isEmpty)
        #expect(documented == routes, "only documented: \(documented.subtracting(routes)); only routed: \(routes.subtracting(documented))")
    }

    @Test("serve refuses to listen beyond loopback without a token")
    func refusesOpenListenWithoutToken() async throws {
        let dir = temporaryDirectory()
        let config = try Self.writeConfig(in: dir, receiver: "http://127.0.0.1:9/hook")
        let child = try ChildProcess(
            ["serve", "--listen", "0.0.0.0:0", "--config", config],
            environment: ["OPENFUNNEL_API_KEY": "k", "E2E_WEBHOOK_SECRET": DeliveryEndToEndTests.secret])
        #expect(try await child.exitCode() == 78)
        #expect(child.stderr.contains("serve.tokens"))
        let bad = try ChildProcess(["serve", "--listen", "localhost"], environment: ["OPENFUNNEL_API_KEY": "k"])
        #expect(try await bad.exitCode() == 64)
        #expect(bad.stderr.contains("HOST:PORT"))
    }
}

@Suite("replay: one rule through both doors", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ReplayDoorsTests {
    /// A receiver that answers 410 Gone (the channel is disabled, every later delivery dead-
    /// lettered), then 200.
    static func goneThenBack(_ dir: URL) async throws -> PythonReceiver {
        try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir, plan: "410", then: "200")
    }

    @Test("through the API: a disabled channel's dead delivery replayed is sent (the channel enabled again)")
    func throughTheAPI() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await Self.goneThenBack(dir)
        defer { receiver.child.stop() }
        let config = try ServeEndToEndTests.writeConfig(in: dir, receiver: receiver.url)
        let serve = try await ServeProcess.start(config: config, sim: sim)
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }
        let job = try await sim.submit(nil)
        #expect(try await serve.call("POST", "/api/v1/watches", body: #"{"job_id": "\#(job)"}"#, transport: http).status == 201)
        _ = try await serve.until("/api/v1/watches/\(job)", transport: http) { $0.json?["active"]?.boolValue == false }
        let dead = try await serve.until("/api/v1/deliveries?status=dead&limit=500", transport: http) {
            ($0.json?["data"]?.arrayItems.count ?? 0) >= 2
        }
        let channels = try await serve.call("GET", "/api/v1/channels", transport: http)
        #expect(channels.json?["data"]?[0]?["disabled"]?.boolValue == true, "\(channels.text)")
        let id = try #require(dead.json?["data"]?.arrayItems.last?["id"]?.stringValue)

        let replayed = try await serve.call("POST", "/api/v1/deliveries/\(id)/replay", transport: http)
        #expect(replayed.status == 202, "\(replayed.text)")
        let sent = try await serve.until("/api/v1/deliveries/\(id)", transport: http) { $0.json?["status"]?.stringValue != "pending" }
        #expect(sent.json?["status"]?.stringValue == "sent", "\(sent.text)")
        #expect(try await serve.call("GET", "/api/v1/channels", transport: http).json?["data"]?[0]?["disabled"]?.boolValue == false)

        // One listing for both doors: the same page (newest first, the same fields) and the same
        // cursor to the next one, from the CLI on the same state file.
        let env = DeliveryEndToEndTests.environment
        let page = try await serve.call("GET", "/api/v1/deliveries?limit=3", transport: http)
        let listed = try ChildProcess(["deliveries", "--config", config, "--limit", "3", "--output", "ndjson"], environment: env)
        #expect(try await listed.exitCode() == 0, "\(listed.stderr)")
        let next = try #require(page.json?["next_cursor"]?.stringValue, "\(page.text)")
        #expect(listed.stdoutLines.compactMap { try? JSONValue.parse($0) } == page.json?["data"]?.arrayItems, "\(listed.stdoutLines)")
        #expect(listed.stderr.contains("--before \(next)"), "\(listed.stderr)")
        let older = try await serve.call("GET", "/api/v1/deliveries?limit=3&cursor=\(next)", transport: http)
        let cli = try ChildProcess(
            ["deliveries", "--config", config, "--limit", "3", "--before", next, "--output", "ndjson"], environment: env)
        #expect(try await cli.exitCode() == 0, "\(cli.stderr)")
        #expect(cli.stdoutLines.compactMap { try? JSONValue.parse($0) } == older.json?["data"]?.arrayItems)
    }

    @Test("through the CLI: the same rule; a delivery's NDJSON has the API's field names")
    func throughTheCLI() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await Self.goneThenBack(dir)
        defer { receiver.child.stop() }
        let config = try ServeEndToEndTests.writeConfig(in: dir, receiver: receiver.url)
        let env = DeliveryEndToEndTests.environment
        let job = try await sim.submit(nil)
        let watch = try ChildProcess(
            ["watch", job, "--config", config, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress"], environment: env)
        _ = try await watch.exitCode()
        let list = try ChildProcess(["deliveries", "--config", config, "--status", "dead", "--output", "ndjson"], environment: env)
        #expect(try await list.exitCode() == 0, "\(list.stderr)")
        let rows = list.stdoutLines.compactMap { try? JSONValue.parse($0) }
        #expect(rows.count >= 2)
        let api = ["id", "event_id", "job_id", "event_type", "channel", "rule", "status", "attempt_count", "created_at", "next_at"]
        #expect(rows.allSatisfy { row in api.allSatisfy { row[$0] != nil } }, "\(list.stdoutLines.first ?? "")")
        let id = try #require(rows.last?["id"]?.stringValue)

        let replay = try ChildProcess(["replay", id, "--config", config], environment: env)
        #expect(try await replay.exitCode() == 0, "\(replay.stderr)")
        let after = try ChildProcess(["deliveries", "--config", config, "--output", "ndjson"], environment: env)
        #expect(try await after.exitCode() == 0)
        let replayed = after.stdoutLines.compactMap { try? JSONValue.parse($0) }.first { $0["id"]?.stringValue == id }
        #expect(
            replayed?["status"]?.stringValue == "sent" && (replayed?["attempt_count"]?.intValue ?? 0) >= 1,
            "\(String(describing: replayed))")
    }
}
