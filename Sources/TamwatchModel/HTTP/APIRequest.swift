import Foundation

/// What is wrong with one part of an API request: the part's name (a body member, `labels.KEY`,
/// a query parameter, a header, or `body`) and why. The server answers it as a 400 or a 422.
public struct FieldProblem: Error, Sendable, Equatable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// A request's JSON body: UTF-8 text holding one JSON object.
public enum APIBody {
    /// The object's members, in order; anything else is a problem of `body` that says why.
    public static func object(_ bytes: some Sequence<UInt8>) throws(FieldProblem) -> [(String, JSONValue)] {
        // Invalid UTF-8 is refused, not read as U+FFFD: a label or a query must be what was sent.
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FieldProblem("body", "not UTF-8 text") }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw FieldProblem("body", "expected a JSON object, got an empty body")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch { throw FieldProblem("body", "not valid JSON: \(error)") }
        guard case .object(let members) = value else { throw FieldProblem("body", "expected a JSON object") }
        return members
    }
}

/// A register body (`job_id`) or a submit body (`query`): that field, and what may come beside
/// it. Every problem is said, not only the first.
public struct WatchBody: Sendable, Equatable {
    /// The job id or the query.
    public var main: String?
    public var labels: [String: String] = [:]
    public var maxCredits: Int?
    public var guardAction: String?

    public init(main: String? = nil, labels: [String: String] = [:], maxCredits: Int? = nil, guardAction: String? = nil) {
        self.main = main
        self.labels = labels
        self.maxCredits = maxCredits
        self.guardAction = guardAction
    }

    /// Reads `members`, where `required` (`job_id` or `query`) names the main field.
    public static func read(_ members: [(String, JSONValue)], required: String) -> (WatchBody, [FieldProblem]) {
        var body = WatchBody()
        var problems: [FieldProblem] = []
        for (key, value) in members {
            switch key {
            case required:
                guard let text = value.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                    problems.append(.init(key, "expected a non-empty string"))
                    continue
                }
                if let problem = required == "query" ? queryProblem(text) : required == "job_id" ? JobID.problem(text) : nil {
                    problems.append(.init(key, problem))
                    continue
                }
                body.main = text
            case "labels":
                guard case .object(let pairs) = value else {
                    problems.append(.init(key, "expected an object of string values"))
                    continue
                }
                for (k, v) in pairs {
                    guard let s = v.stringValue else {
                        problems.append(.init("labels.\(k)", "expected a string"))
                        continue
                    }
                    // The rule `--label` follows too: a control character could smuggle a header
                    // or an SMTP command into a delivery.
                    if let problem = Label.problem(key: k, value: s) { problems.append(.init("labels.\(k)", problem)) }
                    body.labels[k] = s
                }
            case "max_credits":
                guard let n = value.intValue, (1...CreditBudget.largestBudget).contains(n) else {
                    problems.append(.init(key, "expected a whole number from 1 to \(CreditBudget.largestBudget)"))
                    continue
                }
                body.maxCredits = n
            case "guard_action":
                guard let a = value.stringValue.flatMap(CreditBudget.Action.init(rawValue:)) else {
                    problems.append(.init(key, "expected one of \(CreditBudget.Action.allCases.map(\.rawValue).joined(separator: ", "))"))
                    continue
                }
                body.guardAction = a.rawValue
            default:
                problems.append(.init(key, "unknown field (expected \(required), labels, max_credits, guard_action)"))
            }
        }
        if body.labels.count > Label.maxCount { problems.append(.init("labels", "at most \(Label.maxCount) labels")) }
        if body.main == nil && !problems.contains(where: { $0.field == required }) { problems.append(.init(required, "is required")) }
        return (body, problems)
    }

    /// A build's query: one line of text, at most 500 characters counted as OpenAPI counts
    /// them (code points).
    public static func queryProblem(_ text: String) -> String? {
        if text.unicodeScalars.count > 500 { return "at most 500 characters" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a query must not contain control characters (newlines, tabs, escapes)"
        }
        return nil
    }

    /// The body as JSON, `required` naming the main field: what a client that sends it means.
    public func json(required: String) -> JSONValue {
        var members: [(String, JSONValue)] = []
        if let main { members.append((required, .string(main))) }
        if !labels.isEmpty { members.append(("labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))) }
        if let maxCredits { members.append(("max_credits", .int(Int64(maxCredits)))) }
        if let guardAction { members.append(("guard_action", .string(guardAction))) }
        return .object(members)
    }
}

/// A list's paging and filters from the query string (decoded), each refused naming it.
public struct QueryParameters: Sendable {
    let pairs: [(name: String, value: String)]

    public init(_ pairs: [(String, String)]) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }

    /// A parameter as given, empty included (a number or a choice that is empty is wrong, not absent).
    public func given(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value of a parameter, in order.
    public func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// A parameter unless absent or empty.
    public func string(_ name: String) -> String? {
        guard let text = given(name), !text.isEmpty else { return nil }
        return text
    }

    /// `limit`: default 50, at most 500.
    public func limit() throws(FieldProblem) -> Int {
        guard let text = given("limit") else { return 50 }
        guard let n = Int(text), (1...500).contains(n) else { throw FieldProblem("limit", "expected a whole number from 1 to 500") }
        return n
    }

    /// `cursor`: the opaque `next_cursor` of the page before.
    public func cursor() throws(FieldProblem) -> Int64? {
        guard let text = given("cursor") else { return nil }
        guard let n = Cursor.decode(text) else { throw FieldProblem("cursor", "not a cursor this server gave out") }
        return n
    }

    /// Every `label=k=v`, in order.
    public func labels() throws(FieldProblem) -> [(key: String, value: String)] {
        var labels: [(key: String, value: String)] = []
        for text in all("label") {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw FieldProblem("label", "'\(text)' is not key=value")
            }
            labels.append((String(text[..<eq]), String(text[text.index(after: eq)...])))
        }
        return labels
    }

    public func bool(_ name: String) throws(FieldProblem) -> Bool? {
        guard let text = given(name) else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw FieldProblem(name, "expected true or false")
        }
    }

    /// `after`: a watch's events after this sequence number (0 when absent).
    public func after() throws(FieldProblem) -> Int {
        guard let text = given("after") else { return 0 }
        guard let n = Int(text), n >= 0 else { throw FieldProblem("after", "expected a sequence number (0 or more)") }
        return n
    }

    /// Where an event stream resumes: after the cursor in `Last-Event-ID` (an empty header is
    /// none), else in `since`.
    public func resumeAfter(lastEventID header: String?) throws(FieldProblem) -> Int64? {
        guard let text = header.flatMap({ $0.isEmpty ? nil : $0 }) ?? given("since") else { return nil }
        guard let n = Int64(text), n >= 0 else { throw FieldProblem("Last-Event-ID", "expected an event cursor (a whole number)") }
        return n
    }
}
