import Foundation
import TamwatchHTTP
import TamwatchModel
import Yams

/// Reads the YAML configuration, expanding `${VAR}` and `${VAR:-default}` in every value and
/// collecting every problem with its file, line and key before giving up.
public struct ConfigLoader {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(path: String) throws(ConfigErrors) -> TamwatchConfig {
        let (config, errors) = loadCollecting(path: path)
        guard errors.isEmpty, let config else { throw ConfigErrors(errors) }
        return config
    }

    /// Parses configuration text; relative paths resolve against `baseDirectory`.
    public func parse(_ text: String, file: String, baseDirectory: String) throws(ConfigErrors) -> TamwatchConfig {
        let (config, errors) = parseCollecting(text, file: file, baseDirectory: baseDirectory)
        guard errors.isEmpty, let config else { throw ConfigErrors(errors) }
        return config
    }

    /// As `load`, but returns what could be read beside every problem (for `tamwatch check`,
    /// which goes on to the templates and rules even when the file has errors).
    public func loadCollecting(path: String) -> (TamwatchConfig?, [ConfigError]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            return (nil, [ConfigError(file: path, line: nil, key: "", message: "the configuration file \(why)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [ConfigError(file: path, line: nil, key: "", message: "the file is not UTF-8 text")])
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return parseCollecting(text, file: path, baseDirectory: folder)
    }

    func parseCollecting(_ text: String, file: String, baseDirectory: String) -> (TamwatchConfig?, [ConfigError]) {
        var reader = Reader(file: file, environment: environment)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (nil, [reader.yamlError(error)])
        } catch {
            return (nil, [ConfigError(file: file, line: nil, key: "", message: "invalid YAML")])
        }
        var config = TamwatchConfig()
        config.file = file
        config.statePath = URL(fileURLWithPath: baseDirectory).appendingPathComponent(config.statePath).path
        if let root {
            reader.read(root, into: &config, baseDirectory: baseDirectory)
        }
        // In file order, whichever pass found them.
        let sorted = reader.errors.enumerated().sorted {
            ($0.element.line ?? 0, $0.element.column ?? 0, $0.offset) < ($1.element.line ?? 0, $1.element.column ?? 0, $1.offset)
        }
        return (config, sorted.map(\.element))
    }
}

/// Walks the YAML node tree, keeping the location of every key for error messages.
private struct Reader {
    let file: String
    let environment: [String: String]
    var errors: [ConfigError] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    mutating func fail(_ node: Node?, _ key: String, _ message: String) {
        errors.append(ConfigError(file: file, line: node?.mark?.line, column: node?.mark?.column, key: key, message: message))
    }

    /// The problem and where it is; never the file's text, which may hold literal secrets
    /// (Yams puts the whole document in its errors).
    func yamlError(_ error: YamlError) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, key: "", message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column, key: duplicates.joined(separator: ", "),
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

    mutating func positiveInt(_ node: Node, _ key: String) -> Int? {
        guard let text = string(node, key) else { return nil }
        guard let v = Int(text.replacingOccurrences(of: "_", with: "")), v > 0 else {
            fail(node, key, "'\(text)' is not a positive whole number")
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

    // MARK: Sections

    mutating func read(_ root: Node, into config: inout TamwatchConfig, baseDirectory: String) {
        let sections = mapping(root, "", allowed: ["api", "state", "watch", "templates", "channels", "rules"])
        var rulesNode: Node?
        for (name, _, value) in sections {
            switch name {
            case "api": readAPI(value, &config.api)
            case "state":
                for (k, _, v) in mapping(value, "state", allowed: ["path", "retention"]) {
                    switch k {
                    case "path":
                        if let path = string(v, "state.path") {
                            config.statePath = path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
                        }
                    default:
                        guard let text = string(v, "state.retention") else { break }
                        if ["off", "never"].contains(text) {
                            config.retention = nil
                        } else if let d = duration(v, "state.retention", min: .seconds(3600)) {
                            config.retention = d
                        }
                    }
                }
            case "watch": readWatch(value, &config.watch)
            case "templates":
                if let path = string(value, "templates") {
                    config.templatesPath = path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
                }
            case "channels": config.channels = readChannels(value, baseDirectory: baseDirectory)
            case "rules": rulesNode = value
            default: break
            }
        }
        if let rulesNode { config.rules = readRules(rulesNode, channels: Set(config.channels.map(\.name))) }
    }

    mutating func readAPI(_ node: Node, _ api: inout TamwatchConfig.API) {
        for (k, _, v) in mapping(node, "api", allowed: ["base_url", "key", "poll_interval", "timeout"]) {
            let key = "api.\(k)"
            switch k {
            case "base_url":
                if let url = string(v, key) {
                    if let problem = URLCheck.problem(url, schemes: ["http://", "https://"]) { fail(v, key, problem) } else { api.baseURL = url }
                }
            case "key": if let s = string(v, key), !s.isEmpty { api.key = s }
            case "poll_interval": if let d = duration(v, key, min: .milliseconds(50)) { api.pollInterval = d }
            case "timeout": if let d = duration(v, key, min: .milliseconds(100)) { api.timeout = d }
            default: break
            }
        }
    }

    mutating func readWatch(_ node: Node, _ watch: inout TamwatchConfig.Watch) {
        var milestoneNode: Node?
        for (k, keyNode, v) in mapping(node, "watch", allowed: ["milestones", "milestone_every", "stall_after",
                                                                "max_poll_interval", "not_found_grace", "give_up_after"]) {
            let key = "watch.\(k)"
            switch k {
            case "milestones":
                if let existing = milestoneNode { fail(keyNode, key, "give milestones or milestone_every, not both (other at line \(existing.mark?.line ?? 0))") }
                milestoneNode = keyNode
                guard case .sequence(let seq) = v else { fail(v, key, "expected a list of numbers, like [1000, 5000]"); continue }
                watch.milestones = .list(seq.compactMap { positiveInt($0, key) })
            case "milestone_every":
                if let existing = milestoneNode { fail(keyNode, key, "give milestones or milestone_every, not both (other at line \(existing.mark?.line ?? 0))") }
                milestoneNode = keyNode
                if let n = positiveInt(v, key) { watch.milestones = .every(n) }
            case "stall_after":
                if string(v, key) == "off" { watch.stallAfter = nil } else if let d = duration(v, key) { watch.stallAfter = d }
            case "max_poll_interval": if let d = duration(v, key, min: .milliseconds(50)) { watch.maxPollInterval = d }
            case "not_found_grace": if let d = duration(v, key, min: .zero) { watch.notFoundGrace = d }
            case "give_up_after": if let d = duration(v, key) { watch.giveUpAfter = d }
            default: break
            }
        }
    }

    mutating func readChannels(_ node: Node, baseDirectory: String) -> [ChannelConfig] {
        var out: [ChannelConfig] = []
        for (name, keyNode, value) in mapping(node, "channels", allowed: []) {
            let key = "channels.\(name)"
            let common: Set<String> = ["type", "url", "retry", "ca_file", "concurrency", "rate_limit", "timeout"]
            let pairs = mapping(value, key, allowed: [])
            guard let typeNode = pairs.first(where: { $0.0 == "type" })?.2 else {
                fail(value, "\(key).type", "missing (one of: \(ChannelType.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            guard let typeName = string(typeNode, "\(key).type") else { continue }
            guard let type = ChannelType(rawValue: typeName) else {
                fail(typeNode, "\(key).type", "unknown channel type '\(typeName)' (one of: \(ChannelType.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            let extra: Set<String>
            switch type {
            case .webhook: extra = ["secret", "headers", "retry_statuses"]
            case .email: extra = ["from", "to", "username", "password", "starttls"]
            default: extra = []
            }
            var channel = ChannelConfig(name: name, type: type, url: "", line: keyNode.mark?.line)
            var sawURL = false
            for (k, kNode, v) in pairs {
                let path = "\(key).\(k)"
                guard common.contains(k) || extra.contains(k) else {
                    fail(kNode, path, "unknown key for a \(type.rawValue) channel (expected one of: \(common.union(extra).sorted().joined(separator: ", ")))")
                    continue
                }
                switch k {
                case "url":
                    sawURL = true
                    guard let url = string(v, path) else { continue }
                    let schemes = type == .email ? ["smtp://", "smtps://"] : ["http://", "https://"]
                    if let problem = URLCheck.problem(url, schemes: schemes) { fail(v, path, problem) } else { channel.url = url }
                case "retry":
                    guard case .sequence(let seq) = v else { fail(v, path, "expected a list of durations, like [5s, 5m, 30m]"); continue }
                    channel.retry = seq.compactMap { duration($0, path) }
                case "ca_file":
                    guard let file = string(v, path) else { continue }
                    // Relative to the configuration file, as state.path is.
                    let resolved = file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).path
                    if let problem = CertificateFile.problem(resolved) { fail(v, path, problem) } else { channel.caFile = resolved }
                case "concurrency": channel.concurrency = positiveInt(v, path)
                case "rate_limit":
                    guard let text = string(v, path) else { continue }
                    if let limit = RateLimit.parse(text) { channel.rateLimit = limit }
                    else { fail(v, path, "'\(text)' is not a rate like 10/s, 1/s or 30/m") }
                case "timeout": channel.timeout = duration(v, path, min: .milliseconds(100))
                case "retry_statuses":
                    for text in strings(v, path) ?? [] {
                        if let code = Int(text), (400..<500).contains(code) { channel.retryStatuses.insert(code) }
                        else { fail(v, path, "'\(text)' is not a 4xx status (5xx, 408, 425 and 429 are always retried)") }
                    }
                case "secret":
                    let secrets = strings(v, path) ?? []
                    for secret in secrets {
                        do { _ = try WebhookSecret.key(secret) } catch {
                            fail(v, path, "\(error) (the value is not shown)")
                        }
                    }
                    channel.secrets = secrets
                case "headers":
                    for (h, hNode, hv) in mapping(v, path, allowed: []) {
                        guard !h.isEmpty, h.utf8.allSatisfy(HTTPHeader.isTokenByte) else {
                            fail(hNode, "\(path).\(h)", "not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
                            continue
                        }
                        guard let value = string(hv, "\(path).\(h)") else { continue }
                        // Checked after ${VAR} expansion: a variable cannot smuggle in a second header.
                        if HTTPHeader.isValidValue(value) { channel.headers.append(HTTPHeader(h, value)) }
                        else { fail(hv, "\(path).\(h)", "a header value is one line: no CR, LF or other control characters (the value is not shown)") }
                    }
                case "from":
                    guard let from = string(v, path) else { continue }
                    if EmailAddress(from) != nil { channel.from = from }
                    else { fail(v, path, "not an email address (write tam@example.com or \"tamwatch <tam@example.com>\")") }
                case "to":
                    channel.to = strings(v, path) ?? []
                    for entry in channel.to where !entry.contains("{{") && EmailAddress(entry) == nil {
                        fail(v, path, "'\(TerminalText.safe(entry))' is not an email address")
                    }
                case "username", "password":
                    guard let value = string(v, path) else { continue }
                    if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                        fail(v, path, "holds a control character (the value is not shown)")
                    } else if k == "username" { channel.username = value } else { channel.password = value }
                case "starttls":
                    switch string(v, path) {
                    case "required"?: channel.startTLS = true
                    case "off"?: channel.startTLS = false
                    case let other?: fail(v, path, "'\(other)' is not required or off")
                    case nil: break
                    }
                default: break
                }
            }
            if !sawURL { fail(keyNode, "\(key).url", "missing") }
            if type == .email {
                if !pairs.contains(where: { $0.0 == "from" }) { fail(keyNode, "\(key).from", "missing (the sender address)") }
                if channel.to.isEmpty { fail(keyNode, "\(key).to", "missing (one or more recipients)") }
            }
            out.append(channel)
        }
        return out
    }

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
            if rule.name.isEmpty { fail(item, "\(base).name", "missing") }
            else if !names.insert(rule.name).inserted { fail(item, "\(base).name", "duplicate rule name '\(rule.name)'") }
            if !pairs.contains(where: { $0.0 == "on" }) { fail(item, "\(where_).on", "missing (event types, or \"*\")") }
            if !pairs.contains(where: { $0.0 == "to" }) { fail(item, "\(where_).to", "missing (channel names)") }
            out.append(rule)
        }
        return out
    }
}
