import Foundation
import TamwatchModel
import Yams

extension Reader {
    mutating func readRules(_ node: Node, channels: Set<String>) -> [RuleConfig] {
        guard case .sequence(let seq) = node else {
            fail(node, "rules", "expected a list of rules")
            return []
        }
        var out: [RuleConfig] = []
        var names = Set<String>()
        let knownTypes = Set(EventType.allCases.map(\.rawValue)).union(["*", "job.*", "watch.*"])
        for (index, item) in seq.enumerated() {
            let base = "rules[\(index)]"
            let pairs = mapping(item, base, allowed: ["name", "on", "where", "to", "template", "throttle"])
            var rule = RuleConfig(name: "", on: [], matchers: [], to: [], line: item.mark?.line)
            var whereNode: Node?
            for (k, _, v) in pairs {
                let key = "\(base).\(k)"
                switch k {
                case "name": rule.name = string(v, key) ?? ""
                case "on":
                    rule.on = strings(v, key) ?? []
                    for t in rule.on where !knownTypes.contains(t) {
                        fail(v, key, "unknown event type '\(t)' (one of: \(knownTypes.sorted().joined(separator: ", ")))")
                    }
                case "where":
                    whereNode = v
                    for text in strings(v, key) ?? [] {
                        switch Matcher.parse(text) {
                        case .success(let m): rule.matchers.append(m)
                        case .failure(let e): fail(v, key, "'\(text)': \(e.reason)")
                        }
                    }
                case "to":
                    rule.to = strings(v, key) ?? []
                    for c in rule.to where !channels.contains(c) {
                        let known = channels.isEmpty ? "no channels are defined" : "defined: \(channels.sorted().joined(separator: ", "))"
                        fail(v, key, "unknown channel '\(c)' (\(known))")
                    }
                case "template": rule.template = string(v, key)
                case "throttle": rule.throttle = duration(v, key)
                default: break
                }
            }
            let where_ = rule.name.isEmpty ? base : "rules.\(rule.name)"
            let types = EventFields.selected(by: rule.on)
            if !types.isEmpty {
                for m in rule.matchers {
                    if let problem = EventFields.problem(m.field, types: types) { fail(whereNode, "\(where_).where", problem) }
                }
            }
            if rule.name.isEmpty {
                fail(item, "\(base).name", "missing")
            } else if !names.insert(rule.name).inserted {
                fail(item, "\(base).name", "duplicate rule name '\(rule.name)'")
            }
            if !pairs.contains(where: { $0.0 == "on" }) { fail(item, "\(where_).on", "missing (event types, or \"*\")") }
            if !pairs.contains(where: { $0.0 == "to" }) { fail(item, "\(where_).to", "missing (channel names)") }
            out.append(rule)
        }
        return out
    }
}
