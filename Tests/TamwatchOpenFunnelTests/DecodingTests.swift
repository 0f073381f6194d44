import Foundation
import Testing

@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchOpenFunnel

/// The 200 example of `GET /api/v1/tam/build/{job_id}` from the OpenAPI page (shared/seeds), as JSON.
let documentedExample = """
    {
      "job_id": "8a8e8a97-8192-48ff-849a-d8a96e949732",
      "status": "completed",
      "manifest": {"pages": 219, "page_size": 100, "unique_count": 21815, "partial": false, "degraded": false,
                   "ranked": true, "stop_reason": null, "credits_consumed": 21815},
      "error_message": null,
      "rows": [{"name": "Acme Observability", "domain": "acme-observe.com",
                "linkedin_url": "https://www.linkedin.com/company/acme-observe",
                "headquarters": "San Francisco, California, United States",
                "match_reason": "Provides \\"cloud observability\\" and \\"application performance monitoring\\" tooling.",
                "match_score": 92, "source_band": "201-1000", "source_query": "cloud observability and monitoring tools",
                "employee_count": 420, "funding_stage": "Series C", "industries": ["Software", "DevOps"],
                "hq_city": "San Francisco", "hq_region": "California", "hq_country": "United States"}],
      "page": "page_0000", "next_cursor": "page_0001", "count": 100, "processed": 21815,
      "progress_message": "completed", "bands_done": 6, "bands_total": 6, "degraded": false
    }
    """

@Suite("Decoding poll responses", .timeLimit(.minutes(5)))
struct DecodingTests {
    @Test("the documented example, verbatim")
    func documented() throws {
        let page = try TamBuildPage(json: try JSONValue.parse(documentedExample))
        let s = page.snapshot
        #expect(s.jobId == "8a8e8a97-8192-48ff-849a-d8a96e949732")
        #expect(s.status == .completed && s.status.isTerminal)
        #expect(s.processed == 21815 && s.bandsDone == 6 && s.bandsTotal == 6)
        #expect(s.progressMessage == "completed" && s.degraded == false && s.errorMessage == nil)
        #expect(
            s.manifest
                == Manifest(
                    pages: 219, pageSize: 100, uniqueCount: 21815, partial: false, degraded: false,
                    ranked: true, stopReason: nil, creditsConsumed: 21815))
        #expect(page.rows.count == 1 && page.count == 100)
        #expect(page.rows[0].name == "Acme Observability" && page.rows[0].matchScore == 92 && page.rows[0].sourceBand == "201-1000")
        #expect(page.page == "page_0000" && page.nextCursor == "page_0001")
    }

    @Test("only job_id and status are required; everything else may be absent")
    func minimal() throws {
        let s = try JobSnapshot(json: try JSONValue.parse(#"{"job_id":"j","status":"pending"}"#))
        #expect(s == JobSnapshot(jobId: "j", status: .pending))
        let page = try TamBuildPage(json: try JSONValue.parse(#"{"job_id":"j","status":"pending"}"#))
        #expect(page.rows.isEmpty && page.count == 0 && page.nextCursor == nil)
    }

    @Test("nulls everywhere")
    func nulls() throws {
        let text =
            #"{"job_id":"j","status":"running","manifest":null,"error_message":null,"rows":null,"page":null,"next_cursor":null,"count":null,"processed":null,"progress_message":null,"bands_done":null,"bands_total":null,"degraded":null}"#
        let page = try TamBuildPage(json: try JSONValue.parse(text))
        #expect(page.snapshot == JobSnapshot(jobId: "j", status: .running))
        let m = Manifest(json: try JSONValue.parse(#"{"pages":null,"unique_count":null,"credits_consumed":null,"degraded":null}"#))
        #expect(m == Manifest())
    }

    @Test("unknown fields are ignored, unknown statuses pass through, floats are read as numbers")
    func lenient() throws {
        let text =
            #"{"job_id":"j","status":"rebalancing","processed":1500.0,"bands_done":2,"bands_total":6.0,"shiny_new_field":{"a":[1,2]},"manifest":{"credits_consumed":37.5,"unique_count":12.0,"future":true}}"#
        let s = try JobSnapshot(json: try JSONValue.parse(text))
        #expect(s.status.rawValue == "rebalancing" && !s.status.isTerminal)
        #expect(s.processed == 1500 && s.bandsTotal == 6)
        #expect(s.manifest?.creditsConsumed == 37.5 && s.manifest?.uniqueCount == 12)
    }

    @Test("mistyped fields become nil instead of failing the poll; implausible counts say so")
    func mistyped() throws {
        var warnings: [String] = []
        let s = try JobSnapshot(
            json: try JSONValue.parse(
                #"{"job_id":"j","status":"running","processed":"lots","degraded":"no","bands_done":2.5,"bands_total":-3}"#),
            warnings: &warnings)
        #expect(s.processed == nil && s.degraded == nil && s.bandsDone == nil && s.bandsTotal == nil)
        #expect(
            warnings == [
                "job j: processed is \"lots\", not a count; read as null",
                "job j: bands_done is 2.5, not a count; read as null",
                "job j: bands_total is -3, not a count; read as null",
            ])
        var none: [String] = []
        _ = try JobSnapshot(
            json: try JSONValue.parse(#"{"job_id":"j","status":"running","processed":null,"bands_done":0}"#), warnings: &none)
        #expect(none.isEmpty)
    }

    @Test(
        "a body without job_id or status, or not an object, is an invalid response",
        arguments: [
            #"{"status":"running"}"#, #"{"job_id":"j"}"#, #"[1,2]"#, #"{"job_id":"j","status":""}"#,
        ])
    func invalid(_ text: String) throws {
        #expect(throws: InvalidSnapshot.self) { try JobSnapshot(json: try JSONValue.parse(text)) }
    }

    @Test("the JSON parser rejects truncated and trailing input")
    func parserErrors() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"job_id": "j", "status": "runn"#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{} x") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 1000)) }
        #expect((try? JSONValue.parse(#""\u00e9\ud83d\ude00""#)) == .string("é😀"))
    }

    @Test("serialising escapes what JSON requires and round-trips")
    func serialise() throws {
        let v = JSONValue.object([("s", .string("a\"b\\c\nd\u{1}é")), ("n", .int(-3)), ("d", .double(0.5)), ("z", .null)])
        #expect(v.serialized() == #"{"s":"a\"b\\c\nd\u0001é","n":-3,"d":0.5,"z":null}"#)
        #expect(try JSONValue.parse(v.serialized()) == v)
    }
}

@Suite("OpenFunnel error mapping", .timeLimit(.minutes(5)))
struct ErrorMappingTests {
    func interpret(_ status: Int, _ body: String = "", headers: [HTTPHeader] = []) -> OpenFunnelError? {
        do {
            _ = try OpenFunnelClient.interpret(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), jobId: "job-9")
            return nil
        } catch { return error }
    }

    @Test("each status maps to its typed error")
    func statuses() {
        #expect(interpret(401, #"{"detail":"Invalid API key."}"#) == .unauthorized(status: 401, message: "Invalid API key."))
        #expect(interpret(403) == .unauthorized(status: 403, message: ""))
        #expect(interpret(404) == .notFound(jobId: "job-9"))
        #expect(interpret(409, #"{"detail":"Job already finished"}"#) == .conflict(message: "Job already finished"))
        #expect(
            interpret(422, #"{"detail":[{"loc":["body","query"],"msg":"Field required","type":"missing"}]}"#)
                == .validation(status: 422, message: "Field required"))
        #expect(interpret(503) == .server(status: 503, retryAfter: nil))
        #expect(interpret(418) == .unexpectedStatus(status: 418, message: ""))
        #expect(interpret(200, "{\"job_id\": \"j\", \"status\": \"runn")?.isTransient == true)
        #expect(interpret(200, #"{"job_id":"j","status":"running"}"#) == nil)
    }

    @Test("Retry-After from the header (seconds or date) or from details.retry_after_seconds")
    func retryAfter() {
        #expect(interpret(429, headers: [HTTPHeader("retry-after", "7")]) == .rateLimited(retryAfter: .seconds(7)))
        #expect(
            interpret(429, #"{"error_code":"RATE_LIMITED","details":{"retry_after_seconds":12}}"#) == .rateLimited(retryAfter: .seconds(12))
        )
        #expect(interpret(503, headers: [HTTPHeader("Retry-After", "2")]) == .server(status: 503, retryAfter: .seconds(2)))
        #expect(interpret(429) == .rateLimited(retryAfter: nil))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let date = HTTPResponse(status: 429, headers: [HTTPHeader("Retry-After", "Fri, 15 Jan 2027 08:00:30 GMT")])
        #expect(OpenFunnelClient.retryAfter(date, nil, now: now) == .seconds(30))
    }

    @Test(
        "Retry-After in every form RFC 9110 allows, never negative and never past a day",
        arguments: [
            ("7", 7.0), ("0", 0), ("999999999", 86_400), ("99999999999999999999999", 86_400),
            ("Fri, 15 Jan 2027 08:00:30 GMT", 30), ("Friday, 15-Jan-27 08:00:30 GMT", 30), ("Fri Jan 15 08:00:30 2027", 30),
            ("Tue Jan  5 08:00:30 2027", 0), ("Thu, 01 Jan 1970 00:00:00 GMT", 0), ("Sat, 15 Jan 2028 08:00:00 GMT", 86_400),
        ] as [(String, Double?)])
    func retryAfterForms(_ value: String, _ seconds: Double?) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
        #expect(RetryAfter.parse(value, now: now).map(\.seconds) == seconds, "\(value)")
    }

    @Test(
        "a Retry-After that is not seconds or an HTTP-date is ignored",
        arguments: ["soon", "-5", "1.5", "", "Fri, 32 Jan 2027 08:00:30 GMT"])
    func retryAfterJunk(_ value: String) {
        #expect(RetryAfter.parse(value, now: Date()) == nil)
    }

    @Test("transient faults are the ones worth retrying")
    func transient() {
        #expect(OpenFunnelError.rateLimited(retryAfter: nil).isTransient)
        #expect(OpenFunnelError.server(status: 500, retryAfter: nil).isTransient)
        #expect(OpenFunnelError.transport(.couldNotConnect("x")).isTransient)
        #expect(!OpenFunnelError.unauthorized(status: 401, message: "").isTransient)
        #expect(!OpenFunnelError.notFound(jobId: "j").isTransient)
    }

    @Test("an error never shows the API key")
    func noKeyInErrors() async {
        let client = OpenFunnelClient(baseURL: "http://127.0.0.1:1", apiKey: "of_supersecret", transport: CurlTransport())
        do {
            _ = try await client.poll(jobId: "j")
            Issue.record("expected a failure")
        } catch {
            #expect(!"\(error)".contains("of_supersecret"))
            #expect(error.isTransient)
        }
    }
}

@Suite("Skipping the rows of a poll", .timeLimit(.minutes(5)))
struct SkippingTests {
    @Test("the snapshot read with rows skipped equals the full read")
    func sameSnapshot() throws {
        let full = try JobSnapshot(json: try JSONValue.parse(documentedExample))
        let skipped = try JSONValue.parse(Data(documentedExample.utf8), skippingTopLevel: ["rows"])
        #expect(try JobSnapshot(json: skipped) == full)
        #expect(skipped["rows"] == .null)
    }

    @Test(
        "skipping still notices a truncated or unbalanced body",
        arguments: [
            #"{"job_id":"j","status":"running","rows":[{"name":"a\"]}"#,
            #"{"job_id":"j","status":"running","rows":[{"name":"a"}"#,
            #"{"job_id":"j","rows":[1,2"#,
        ])
    func truncated(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Data(text.utf8), skippingTopLevel: ["rows"]) }
    }

    @Test("nested strings with brackets and escapes are skipped correctly")
    func tricky() throws {
        let text = #"{"rows":[{"a":"]}\"[{","b":[[],{}]}, 1.5e3, null],"job_id":"j","status":"paused"}"#
        let v = try JSONValue.parse(Data(text.utf8), skippingTopLevel: ["rows"])
        #expect(v["status"] == .string("paused") && v["job_id"] == .string("j"))
    }
}
