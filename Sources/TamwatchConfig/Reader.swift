import Foundation
import TamwatchModel
import Yams

/// Walks the YAML node tree, keeping the location of every key for error messages.
struct Reader {
    let file: String
    let environment: [String: String]
    var errors: [ConfigError] = []
    /// Every value `${VAR}` took from the environment, by name: a problem shows the variable's
    /// name instead of its value, which may be a secret (`masked`).
    var substituted: [String: String] = [:]

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    mutating func fail(_ node: Node?, _ key: String, _ message: String) {
        errors.append(ConfigError(file: file, line: node?.mark?.line, column: node?.mark?.column, key: key, message: message))
    }

    /// A problem's message or key (a rule's name may come from the environment) with every value the environment gave shown as `${NAME}` (longest
    /// first; values under four characters would blank out ordinary words).
    func masked(_ message: String) -> String {
        var out = message
        for (name, value) in substituted.filter({ $0.value.count >= 4 }).sorted(by: { $0.value.count > $1.value.count })
        where out.contains(value) {
            out = out.replacingOccurrences(of: value, with: "${\(name)}")
        }
        return out
    }

    /// The problem and where it is; never the file's text, which may hold literal secrets
    /// (Yams puts the whole document in its errors).
    func yamlError(_ error: YamlError) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, key: "", message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column, key: duplicates.joined(separator: ", "),
                message: "duplicate key: \(names) appears more than once in this mapping (first here)")
        case .reader(let problem, let offset, _, _):
            return ConfigError(file: file, line: nil, key: "", message: "invalid YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        case .dataCouldNotBeDecoded:
            return ConfigError(file: file, line: nil, key: "", message: "the file is not UTF-8 text")
        default:
            return ConfigError(file: file, line: nil, key: "", message: "invalid YAML")
        }
    }

    // MARK: Shapes

    /// The pairs of a mapping, reporting keys outside `allowed`.
    mutating func mapping(_ node: Node, _ key: String, allowed: Set<String>) -> [(String, Node, Node)] {
        guard case .mapping(let m) = node else {
            fail(node, key, "expected a mapping (key: value pairs)")
            return []
        }
        var out: [(String, Node, Node)] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let name = k.string else { fail(k, key, "keys must be strings"); continue }
            let path = key.isEmpty ? name : "\(key).\(name)"
            if !allowed.isEmpty && !allowed.contains(name) {
                fail(k, path, "unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
                continue
            }
            if !seen.insert(name).inserted { fail(k, path, "duplicate key"); continue }
            out.append((name, k, v))
        }
        return out
    }

    mutating func string(_ node: Node, _ key: String) -> String? {
        guard case .scalar(let s) = node else {
            fail(node, key, "expected a single value, not a list or mapping")
            return nil
        }
        return expand(s.string, node, key)
    }

    mutating func strings(_ node: Node, _ key: String) -> [String]? {
        switch node {
        case .scalar: return string(node, key).map { [$0] }
        case .sequence(let seq): return seq.compactMap { string($0, key) }
        default:
            fail(node, key, "expected a list of values")
            return nil
        }
    }

    mutating func duration(_ node: Node, _ key: String, min: Duration = .milliseconds(1)) -> Duration? {
        guard let text = string(node, key) else { return nil }
        guard let d = DurationText.parse(text) else {
            fail(node, key, "'\(text)' is not a duration (write it like 50ms, 10s, 15m or 2h)")
            return nil
        }
        guard d >= min else {
            fail(node, key, "'\(text)' is too short (at least \(DurationText.format(min)))")
            return nil
        }
        return d
    }

    /// `true` or `false` (YAML's yes/no/on/off are refused: they surprise more than they help).
    mutating func bool(_ node: Node, _ key: String) -> Bool? {
        guard let text = string(node, key) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            fail(node, key, "'\(text)' is not true or false")
            return nil
        }
    }

    /// A whole number from 1 to `max` (by default a billion: every count a config holds is far
    /// below it, and nothing computed from it can overflow).
    mutating func positiveInt(_ node: Node, _ key: String, max: Int = 1_000_000_000) -> Int? {
        guard let text = string(node, key) else { return nil }
        guard let v = Int(text.replacingOccurrences(of: "_", with: "")), v > 0 else {
            fail(node, key, "'\(text)' is not a positive whole number")
            return nil
        }
        guard v <= max else {
            fail(node, key, "'\(text)' is too large (at most \(max))")
            return nil
        }
        return v
    }

    /// `${VAR}` and `${VAR:-default}`; `$${` is a literal `${`.
    mutating func expand(_ text: String, _ node: Node, _ key: String) -> String? {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        var ok = true
        while let start = rest.range(of: "${") {
            if start.lowerBound > rest.startIndex, rest[rest.index(before: start.lowerBound)] == "$" {
                out += rest[..<rest.index(before: start.lowerBound)] + "${"
                rest = rest[start.upperBound...]
                continue
            }
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                fail(node, key, "a ${ without its closing } (write $${ for a literal ${)")
                return nil
            }
            let inner = rest[start.upperBound..<end]
            let name: Substring
            var fallback: Substring?
            if let sep = inner.range(of: ":-") {
                name = inner[..<sep.lowerBound]
                fallback = inner[sep.upperBound...]
            } else {
                name = inner
            }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                out += value
                substituted[String(name)] = value
            } else if let fallback {
                out += fallback
            } else {
                fail(node, key, "environment variable \(name) is not set (set it, or write ${\(name):-default})")
                ok = false
            }
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        return ok ? out : nil
    }
}
