import Foundation

/// One `where` condition of a rule: `data.status = completed`, `job.manifest.unique_count >= 1000`,
/// `labels.team =~ "sales|ops"`. Numbers compare as numbers.
public struct Matcher: Sendable, Equatable {
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
    }

    public var field: [String]
    public var op: Operator
    public var value: String
    /// For `=~` and `!~`: the value compiled once, anchored to match the whole field.
    package let regex: NSRegularExpression?

    public static func == (a: Matcher, b: Matcher) -> Bool { a.field == b.field && a.op == b.op && a.value == b.value }

    /// Parses `FIELD OP VALUE`; the value may be quoted. Returns a reason on failure.
    public static func parse(_ text: String) -> Result<Matcher, MatcherError> {
        let chars = Array(text)
        var i = 0
        while i < chars.count, chars[i] == " " { i += 1 }
        let fieldStart = i
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." || chars[i] == "-" { i += 1 }
        let field = String(chars[fieldStart..<i])
        guard !field.isEmpty else { return .failure(MatcherError(reason: "expected a field name such as data.status")) }
        let path = field.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.contains(where: \.isEmpty) else { return .failure(MatcherError(reason: "field '\(field)' has an empty part")) }
        while i < chars.count, chars[i] == " " { i += 1 }
        var opText = ""
        while i < chars.count, "=!~<>".contains(chars[i]) { opText.append(chars[i]); i += 1 }
        guard let op = Operator(rawValue: opText) else {
            let found = opText.isEmpty ? "nothing" : "'\(opText)'"
            return .failure(MatcherError(reason: "expected an operator (=, !=, =~, !~, >, >=, <, <=) after '\(field)', found \(found)"))
        }
        var value = String(chars[i...]).trimmingCharacters(in: .whitespaces)
        if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
            value = String(value.dropFirst().dropLast())
        }
        guard !value.isEmpty || op == .equal || op == .notEqual else {
            return .failure(MatcherError(reason: "'\(field) \(op.rawValue)' needs a value"))
        }
        var regex: NSRegularExpression?
        if op == .matches || op == .notMatches {
            do { regex = try NSRegularExpression(pattern: "^(?:\(value))$") } catch {
                return .failure(MatcherError(reason: "'\(value)' is not a valid regular expression"))
            }
        }
        if [.greater, .greaterOrEqual, .less, .lessOrEqual].contains(op), Double(value) == nil {
            return .failure(MatcherError(reason: "'\(op.rawValue)' compares numbers, and '\(value)' is not a number"))
        }
        return .success(Matcher(field: path, op: op, value: value, regex: regex))
    }
}
