import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchSimulator
@testable import TamwatchTesting

@Suite("Simulator engine", .timeLimit(.minutes(5)))
struct SimulatorEngineTests {
    let key = "sim-key"

    func submit(_ engine: SimulatorEngine, scenario: String? = nil) async throws -> String {
        let r = await engine.handle(
            method: "POST", path: "/api/v1/tam/build", query: [:], apiKey: key,
            body: Array(#"{"query":"cloud observability tools"}"#.utf8), scenarioName: scenario)
        #expect(r.status == 200)
        return try #require(try JSONValue.parse(r.body)["job_id"]?.stringValue)
    }

    func poll(_ engine: SimulatorEngine, _ id: String, cursor: String? = nil) async throws -> (Int, JSONValue) {
        let r = await engine.handle(
            method: "GET", path: "/api/v1/tam/build/\(id)", query: cursor.map { ["cursor": $0] } ?? [:],
            apiKey: key, body: [])
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    func post(_ engine: SimulatorEngine, _ id: String, _ action: String) async -> (Int, JSONValue) {
        let r = await engine.handle(method: "POST", path: "/api/v1/tam/build/\(id)/\(action)", query: [:], apiKey: key, body: [])
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    @Test("a normal build runs pending → running → completed on the clock, with a manifest at the end")
    func normalBuild() async throws {
        let clock = ManualClock()
        let engine = SimulatorEngine(apiKey: key, pace: .clock(speed: 1), now: clock.seconds)
        let id = try await submit(engine)
        var (status, body) = try await poll(engine, id)
        #expect(status == 200 && body["status"] == .string("pending") && body["manifest"] == .null)
        clock.advance(.seconds(5))
        (_, body) = try await poll(engine, id)
        #expect(body["status"] == .string("running") && body["bands_done"] == .int(0))
        #expect(body["progress_message"]?.stringValue == "band 1-10: searching")
        clock.advance(.seconds(20))
        (_, body) = try await poll(engine, id)
        #expect(body["bands_done"] == .int(1) && body["processed"] == .int(2150))
        clock.advance(.seconds(200))
        (_, body) = try await poll(engine, id)
        #expect(body["status"] == .string("completed") && body["bands_done"] == .int(6) && body["processed"] == .int(21815))
        #expect(body["manifest"]?["unique_count"] == .int(21815) && body["manifest"]?["credits_consumed"] == .int(21815))
        #expect(body["manifest"]?["pages"] == .int(219) && body["manifest"]?["partial"] == .bool(false))
        // The balance counts every delivered company of every job: a second build adds its own.
        _ = try await submit(engine)
        clock.advance(.seconds(500))
        let balance = await engine.handle(method: "GET", path: "/api/v1/credits/balance", query: [:], apiKey: key, body: [])
        #expect(try JSONValue.parse(balance.body)["credits_used"] == .int(2 * 21815))
    }

    @Test("cursor pages of 100 realistic rows, next_cursor null on the last page")
    func pages() async throws {
        let clock = ManualClock()
        let engine = SimulatorEngine(apiKey: key, now: clock.seconds)
        let id = try await submit(engine)
        clock.advance(.seconds(500))
        let (_, first) = try await poll(engine, id)
        #expect(first["count"] == .int(100) && first["page"] == .string("page_0000") && first["next_cursor"] == .string("page_0001"))
        guard case .array(let rows)? = first["rows"], let row = rows.first else { Issue.record("no rows"); return }
        for field in [
            "name", "domain", "linkedin_url", "headquarters", "match_reason", "match_score", "source_band",
            "source_query", "employee_count", "funding_stage", "industries", "hq_city", "hq_region", "hq_country",
        ] {
            #expect(row[field] != nil, "row lacks \(field)")
        }
        let (_, last) = try await poll(engine, id, cursor: "page_0218")
        #expect(last["count"] == .int(15) && last["next_cursor"] == .null)
        let (status, _) = try await poll(engine, id, cursor: "garbage")
        #expect(status == 422)
    }

    @Test("pause settles at the band boundary, resume runs on, cancel settles at the next sub-process")
    func pauseResumeCancel() async throws {
        let engine = SimulatorEngine(apiKey: key, pace: .perPoll(.seconds(5)))
        let id = try await submit(engine)
        _ = try await poll(engine, id)  // 5 s: running, band 1
        _ = try await poll(engine, id)  // 10 s: step 1
        var (status, body) = await post(engine, id, "pause")
        #expect(status == 200 && body["status"] == .string("pausing"))
        var seen: [String] = []
        for _ in 0..<6 {
            let (_, b) = try await poll(engine, id)
            seen.append(b["status"]?.stringValue ?? "")
        }
        #expect(seen.contains("pausing") && seen.last == "paused")
        (_, body) = try await poll(engine, id)
        #expect(body["bands_done"] == .int(1) && body["progress_message"] == .string("paused after band 1-10"))
        (status, body) = await post(engine, id, "pause")
        #expect(status == 200 && body["status"] == .string("paused"))
        (status, body) = await post(engine, id, "resume")
        #expect(status == 200 && body["status"] == .string("running"))
        (status, body) = await post(engine, id, "cancel")
        #expect(status == 200 && body["status"] == .string("cancelling"))
        (_, body) = try await poll(engine, id)
        #expect(body["status"] == .string("cancelled") && body["manifest"]?["stop_reason"] == .string("cancelled"))
        #expect(body["manifest"]?["partial"] == .bool(true))
        (status, _) = await post(engine, id, "resume")
        #expect(status == 409)
        (status, _) = await post(engine, id, "cancel")
        #expect(status == 409)
    }

    @Test("auth, unknown jobs and bad submits answer like the API")
    func errors() async throws {
        let engine = SimulatorEngine(apiKey: key)
        #expect(await engine.handle(method: "GET", path: "/api/v1/tam/build/x", query: [:], apiKey: nil, body: []).status == 401)
        #expect(await engine.handle(method: "GET", path: "/api/v1/tam/build/x", query: [:], apiKey: "wrong", body: []).status == 401)
        #expect(await engine.handle(method: "GET", path: "/api/v1/tam/build/x", query: [:], apiKey: key, body: []).status == 404)
        #expect(
            await engine.handle(method: "POST", path: "/api/v1/tam/build", query: [:], apiKey: key, body: Array("{}".utf8)).status == 422)
        let long = "{\"query\":\"\(String(repeating: "a", count: 501))\"}"
        #expect(
            await engine.handle(method: "POST", path: "/api/v1/tam/build", query: [:], apiKey: key, body: Array(long.utf8)).status == 422)
        let balance = await engine.handle(method: "GET", path: "/api/v1/credits/balance", query: [:], apiKey: key, body: [])
        let balanceJSON = try JSONValue.parse(balance.body)
        #expect(balance.status == 200 && balanceJSON["credits_left"] != nil)
    }

    @Test("scenario faults answer the nth poll with 429 + Retry-After, 5xx or a truncated body")
    func faults() async throws {
        let flaky = try #require(try ScenarioCatalog.bundled()["flaky"])
        let engine = SimulatorEngine(apiKey: key, scenario: flaky, pace: .perPoll(.seconds(5)))
        let id = try await submit(engine)
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<12 {
            let r = await engine.handle(method: "GET", path: "/api/v1/tam/build/\(id)", query: [:], apiKey: key, body: [])
            statuses.append(r.status)
            if r.status == 429 { retryAfter = r.headers.first { $0.name == "Retry-After" }?.value }
            if r.status == 200 && (try? JSONValue.parse(r.body)) == nil { statuses[statuses.count - 1] = -1 }
        }
        #expect(statuses == [200, 200, 429, 200, 503, 500, 200, 200, -1, 200, 200, 502])
        #expect(retryAfter == "1")
    }

    @Test("every shipped scenario loads and plays to its documented end")
    func shippedScenarios() async throws {
        let catalog = try ScenarioCatalog.bundled()
        let expected: [String: String] = [
            "normal": "completed", "degraded": "completed", "failed": "failed",
            "cancelled": "cancelled", "paused": "completed", "flaky": "completed",
        ]
        #expect(Set(catalog.keys).isSuperset(of: expected.keys))
        for (name, end) in expected {
            let clock = ManualClock()
            let engine = SimulatorEngine(apiKey: key, scenario: try #require(catalog[name]), now: clock.seconds)
            let id = try await submit(engine)
            clock.advance(.seconds(3600))
            let (_, body) = try await poll(engine, id)
            #expect(body["status"]?.stringValue == end, "scenario \(name)")
        }
    }

    @Test("a scenario file with an unknown key is an error naming it")
    func badScenario() {
        #expect(throws: ScenarioError.self) { try Scenario.parse("bands_count: 3\n", file: "x.yaml") }
        #expect(throws: ScenarioError.self) { try Scenario.parse("band_duration: soon\n", file: "x.yaml") }
    }
}
