import Testing

@testable import TamwatchModel

@Suite("API requests read without the server: bodies and query parameters")
struct APIRequestTests {
    @Test("a body: a repeated key is refused as a whole; past the label limit, or with a bad job id and label, every problem named")
    func bodies() throws {
        #expect(throws: FieldProblem("body", "not valid JSON: invalid JSON at byte 29: duplicate key \"labels\"")) {
            try APIBody.object(Array("{\"labels\": {}, \"query\": \"x\", \"labels\": {}}".utf8))
        }
        let many = (0...Label.maxCount).map { "\"k\($0)\": \"v\"" }.joined(separator: ", ")
        let (_, problems) = WatchBody.read(try APIBody.object(Array("{\"query\": \"x\", \"labels\": {\(many)}}".utf8)), required: "query")
        #expect(problems == [FieldProblem("labels", "at most \(Label.maxCount) labels")])

        let (body, both) = WatchBody.read(
            try APIBody.object(Array("{\"job_id\": \"a b\", \"labels\": {\"a\": 1}}".utf8)), required: "job_id")
        #expect(body.main == nil)
        #expect(both.map(\.field) == ["job_id", "labels.a"])
    }

    @Test("query parameters: each refused naming itself; Last-Event-ID before since")
    func parameters() throws {
        let q = QueryParameters([("limit", "0"), ("label", "=v"), ("since", "7"), ("after", "-1")])
        #expect(throws: FieldProblem("limit", "expected a whole number from 1 to 500")) { try q.limit() }
        #expect(throws: FieldProblem("label", "'=v' is not key=value")) { try q.labels() }
        #expect(throws: FieldProblem("after", "expected a sequence number (0 or more)")) { try q.after() }
        #expect(try q.resumeAfter(lastEventID: "12") == 12)
        #expect(try q.resumeAfter(lastEventID: "") == 7)
        #expect(try QueryParameters([]).limit() == 50)
    }
}
