import Foundation

extension Matcher {
    /// True when the event (as its JSON envelope) satisfies this condition.
    ///
    /// Numbers compare as numbers when both sides are numbers (`1000` = `1000.0`); otherwise as
    /// text. `=~` and `!~` match the whole value, as Alertmanager's matchers do. A missing or null
    /// field is the empty text and no number: `!=` holds for it, `>` and friends do not.
    public func evaluate(on envelope: JSONValue) -> Bool {
        var value: JSONValue? = envelope
        for part in field { value = value?[part] }
        let actual = value ?? .null
        switch op {
        case .equal: return Self.equal(actual, value: self.value)
        case .notEqual: return !Self.equal(actual, value: self.value)
        case .matches: return fullMatch(Self.text(actual))
        case .notMatches: return !fullMatch(Self.text(actual))
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            guard let lhs = Self.number(actual), let rhs = Double(self.value) else { return false }
            switch op {
            case .greater: return lhs > rhs
            case .greaterOrEqual: return lhs >= rhs
            case .less: return lhs < rhs
            default: return lhs <= rhs
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

    func fullMatch(_ text: String) -> Bool {
        guard let regex else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

extension RuleConfig {
    /// `on` accepts event types, `job.*`, `watch.*` and `*`.
    public func selects(_ type: EventType) -> Bool {
        on.contains { pattern in
            if pattern == "*" { return true }
            if pattern.hasSuffix(".*") { return type.rawValue.hasPrefix(String(pattern.dropLast())) }
            return pattern == type.rawValue
        }
    }

    /// True when the rule's `on` selects the event and every `where` condition holds.
    public func matches(_ event: Event) -> Bool {
        matches(event, envelope: nil)
    }

    /// As `matches(_:)`, with the event's envelope already built (the engine builds it once per event).
    func matches(_ event: Event, envelope: JSONValue?) -> Bool {
        guard selects(event.type) else { return false }
        guard !matchers.isEmpty else { return true }
        let json = envelope ?? event.json
        return matchers.allSatisfy { $0.evaluate(on: json) }
    }
}
