import Foundation
import TamwatchModel

extension FuzzChecks {
    /// A request to the API: the bytes as a register and a submit body, and as a query string
    /// (every list's paging and filters, an event stream's resume point). Every problem names a
    /// part the request holds (or the required field) and says why; what is accepted keeps the
    /// rules (job id, query, labels, budget) and reads back the same; a parameter is either
    /// refused naming itself or read within its range.
    public static func api(_ bytes: [UInt8]) -> String? {
        if let broken = body(bytes) { return broken }
        return parameters(query(String(decoding: bytes, as: UTF8.self)))
    }

    static func body(_ bytes: [UInt8]) -> String? {
        let members: [(String, JSONValue)]
        do throws(FieldProblem) { members = try APIBody.object(bytes) } catch {
            return error.field == "body" && !error.message.isEmpty ? nil : "a body that is not an object is a problem of '\(error.field)'"
        }
        let keys = Set(members.map(\.0))
        for required in ["job_id", "query"] {
            let (body, problems) = WatchBody.read(members, required: required)
            for p in problems {
                if p.message.isEmpty { return "the problem of '\(p.field)' says nothing" }
                // On bytes: a key that begins with a combining mark makes `labels.` and it one Character.
                let held =
                    p.field == required || keys.contains(p.field) || (p.field.utf8.starts(with: "labels.".utf8) && keys.contains("labels"))
                if !held { return "a problem names '\(p.field)', which the body does not hold" }
            }
            guard problems.isEmpty else { continue }
            guard let main = body.main, !main.isEmpty else { return "accepted without \(required)" }
            if required == "job_id", let problem = JobID.problem(main) { return "accepted job id '\(main)': \(problem)" }
            if required == "query", let problem = WatchBody.queryProblem(main) { return "accepted a query: \(problem)" }
            if let (k, _) = body.labels.first(where: { Label.problem(key: $0.key, value: $0.value) != nil }) {
                return "accepted label '\(k)'"
            }
            if let n = body.maxCredits, !(1...CreditBudget.largestBudget).contains(n) { return "accepted max_credits \(n)" }
            if let a = body.guardAction, CreditBudget.Action(rawValue: a) == nil { return "accepted guard_action '\(a)'" }
            // What a client meant, sent again as JSON text, means the same.
            let text = body.json(required: required).serialized()
            guard let again = try? APIBody.object(Array(text.utf8)) else { return "an accepted body does not serialize to an object" }
            let (reread, reproblems) = WatchBody.read(again, required: required)
            if reread != body || !reproblems.isEmpty { return "an accepted body does not read back the same: \(text.prefix(200))" }
        }
        return nil
    }

    static func parameters(_ q: QueryParameters) -> String? {
        func refused(_ name: String, _ read: () throws(FieldProblem) -> Void) -> String? {
            do throws(FieldProblem) { try read() } catch {
                return error.field == name && !error.message.isEmpty ? nil : "'\(name)' refused as '\(error.field)': \(error.message)"
            }
            return nil
        }
        return refused("limit") { () throws(FieldProblem) in
            let n = try q.limit()
            if !(1...500).contains(n) { throw FieldProblem("?", "limit \(n) accepted") }
        }
            ?? refused("cursor") { () throws(FieldProblem) in
                if let n = try q.cursor(), n < 0 || Cursor.decode(Cursor.encode(n)) != n { throw FieldProblem("?", "cursor \(n) accepted") }
            }
            ?? refused("label") { () throws(FieldProblem) in
                for (k, v) in try q.labels() where k.isEmpty || !q.all("label").contains("\(k)=\(v)") {
                    throw FieldProblem("?", "label '\(k)=\(v)' is not one given")
                }
            }
            ?? refused("active") { () throws(FieldProblem) in _ = try q.bool("active") }
            ?? refused("after") { () throws(FieldProblem) in
                if try q.after() < 0 { throw FieldProblem("?", "a negative after accepted") }
            }
            ?? refused("Last-Event-ID") { () throws(FieldProblem) in
                if let n = try q.resumeAfter(lastEventID: q.given("id")), n < 0 { throw FieldProblem("?", "a negative cursor accepted") }
            }
    }

    /// A query string as a server reads it: `&`-separated, each name and value percent-decoded
    /// (`+` is a space); one that does not decode is taken as it is.
    static func query(_ text: String) -> QueryParameters {
        func decoded(_ part: Substring) -> String {
            let spaced = part.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return QueryParameters(
            text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
                let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (decoded(halves[0]), halves.count > 1 ? decoded(halves[1]) : "")
            })
    }
}
