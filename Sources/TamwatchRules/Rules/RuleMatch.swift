import Foundation
import TamwatchConfig
import TamwatchModel

extension Matcher {
    /// What a condition comes to on one event.
    public enum Verdict: Sendable, Equatable {
        case holds, fails
        /// A regular expression ran past `regexTimeLimit` (catastrophic backtracking on a long
        /// value) and was stopped: counted as not holding, and reported.
        case timedOut
    }

    /// How long one `=~` or `!~` may run on one value before it is stopped.
    public static let regexTimeLimit: Duration = .milliseconds(50)

    /// Whether the event (as its JSON envelope) satisfies this condition.
    ///
    /// Numbers compare as numbers when both sides are numbers (`1000` = `1000.0`); otherwise as
    /// text. `=~` and `!~` match the whole value, as Alertmanager's matchers do. A missing or null
    /// field is the empty text and no number: `!=` holds for it, `>` and friends do not.
    public func verdict(on envelope: JSONValue) -> Verdict {
        var value: JSONValue? = envelope
        for part in field { value = value?[part] }
        let actual = value ?? .null
        func verdict(_ b: Bool) -> Verdict { b ? .holds : .fails }
        switch op {
        case .equal: return verdict(Self.equal(actual, value: self.value))
        case .notEqual: return verdict(!Self.equal(actual, value: self.value))
        case .matches, .notMatches:
            guard let matched = fullMatch(Self.text(actual)) else { return .timedOut }
            return verdict(op == .matches ? matched : !matched)
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            guard let lhs = Self.number(actual), let rhs = Double(self.value) else { return .fails }
            switch op {
            case .greater: return verdict(lhs > rhs)
            case .greaterOrEqual: return verdict(lhs >= rhs)
            case .less: return verdict(lhs < rhs)
            default: return verdict(lhs <= rhs)
            }
        }
    }

    static func equal(_ actual: JSONValue, value: String) -> Bool {
        if let lhs = number(actual), let rhs = Double(value) { return lhs == rhs }
        return text(actual) == value
    }

    static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .int, .double: return v.doubleValue
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int, .double: return v.serialized()
        case .array, .object: return v.serialized()
        }
    }

    /// Whether the pattern matches the whole text; nil when it was stopped at the time limit.
    func fullMatch(_ text: String) -> Bool? {
        guard let regex else { return false }
        var matched = false
        var timedOut = false
        let started = ContinuousClock.now
        // With .reportProgress the block is also called while the engine backtracks, which is
        // the one place a runaway match can be stopped.
        regex.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(text.startIndex..., in: text)) { match, _, stop in
            if match != nil {
                matched = true
                stop.pointee = true
            } else if ContinuousClock.now - started > Self.regexTimeLimit {
                timedOut = true
                stop.pointee = true
            }
        }
        return matched || !timedOut ? matched : nil
    }
}

extension RuleConfig {
    /// `on` accepts event types, `job.*`, `watch.*` and `*`.
    public func selects(_ type: EventType) -> Bool { on.contains { type.matches(pattern: $0) } }

    /// True when the rule's `on` selects the event and every `where` condition holds.
    public func matches(_ event: Event) -> Bool {
        var problems: [String] = []
        return matches(event, envelope: nil, problems: &problems)
    }

    /// As `matches(_:)`, with the event's envelope already built (the engine builds it once per
    /// event); a condition stopped at its time limit is added to `problems` and does not hold.
    func matches(_ event: Event, envelope: JSONValue?, problems: inout [String]) -> Bool {
        guard selects(event.type) else { return false }
        guard !matchers.isEmpty else { return true }
        let json = envelope ?? event.json
        for m in matchers {
            switch m.verdict(on: json) {
            case .holds: continue
            case .fails: return false
            case .timedOut:
                problems.append(
                    "rule \(name): where '\(m.field.joined(separator: ".")) \(m.op.rawValue) \(m.value)' ran past "
                        + "\(DurationText.format(Matcher.regexTimeLimit)) on event \(event.id) (\(event.type.rawValue)) and was stopped; "
                        + "the rule did not match it. Simplify the pattern.")
                return false
            }
        }
        return true
    }
}
