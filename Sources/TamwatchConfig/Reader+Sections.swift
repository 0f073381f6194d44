import Foundation
import TamwatchModel
import Yams

extension Reader {
    // MARK: Sections

    mutating func read(_ root: Node, into config: inout TamwatchConfig, baseDirectory: String) {
        let sections = mapping(root, "", allowed: ["api", "state", "watch", "templates", "channels", "rules", "serve", "results", "guard"])
        var rulesNode: Node?
        for (name, _, value) in sections {
            switch name {
            case "api": readAPI(value, &config.api)
            case "state":
                let keys = mapping(value, "state", allowed: ["path", "url", "retention"])
                if keys.contains(where: { $0.0 == "path" }), let url = keys.first(where: { $0.0 == "url" }) {
                    fail(url.1, "state.url", "give state.path (a SQLite file) or state.url (PostgreSQL), not both")
                }
                for (k, _, v) in keys {
                    switch k {
                    case "url":
                        guard let text = string(v, "state.url") else { break }
                        do throws(PostgresURLError) { config.stateDatabase = try PostgresLocation(url: text) } catch {
                            fail(v, "state.url", error.description)
                        }
                    case "path":
                        if let path = string(v, "state.path") {
                            config.statePath =
                                path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
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
                    config.templatesPath =
                        path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
                }
            case "channels": config.channels = readChannels(value, baseDirectory: baseDirectory)
            case "rules": rulesNode = value
            case "serve": readServe(value, &config.serve, deprecations: &config.deprecations)
            case "results": readResults(value, &config.results, baseDirectory: baseDirectory)
            case "guard": readGuard(value, &config.guard)
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
                    if let problem = URLCheck.problem(url, schemes: ["http://", "https://"]) {
                        fail(v, key, problem)
                    } else {
                        api.baseURL = url
                    }
                }
            case "key": if let s = string(v, key), !s.isEmpty { api.key = s }
            case "poll_interval": if let d = duration(v, key, min: .milliseconds(50)) { api.pollInterval = d }
            case "timeout": if let d = duration(v, key, min: .milliseconds(100)) { api.timeout = d }
            default: break
            }
        }
    }

    mutating func readServe(_ node: Node, _ serve: inout TamwatchConfig.Serve, deprecations: inout [String]) {
        let keys: Set = ["listen", "tokens", "external_url", "allowed_origins", "max_connections", "max_watches"]
        for (k, _, v) in mapping(node, "serve", allowed: keys) {
            let key = "serve.\(k)"
            switch k {
            case "listen":
                guard let text = string(v, key) else { break }
                if let address = ListenAddress(text) { serve.listen = address } else { fail(v, key, ListenAddress.problem(text)) }
            case "external_url":
                guard let text = string(v, key) else { break }
                if WebOrigin(text) != nil { serve.externalURL = text } else { fail(v, key, WebOrigin.problem(text)) }
            case "allowed_origins":
                for text in strings(v, key) ?? [] {
                    if let origin = WebOrigin(text) {
                        serve.allowedOrigins.append(origin.description)
                    } else {
                        fail(v, key, WebOrigin.problem(text))
                    }
                }
            case "max_connections": if let n = positiveInt(v, key, max: 1_000_000) { serve.maxConnections = n }
            case "max_watches": if let n = positiveInt(v, key, max: 10_000_000) { serve.maxWatches = n }
            default:
                if let tokens = readTokens(v, key, deprecations: &deprecations) { serve.tokens = tokens }
            }
        }
    }

    /// `serve.tokens`: entries `{name, scope, token | sha256}`; the old list of bare tokens is
    /// still read (each with the write scope) and reported as deprecated.
    mutating func readTokens(_ node: Node, _ key: String, deprecations: inout [String]) -> [ServeToken]? {
        guard case .sequence(let items) = node else {
            if case .scalar = node, let bare = string(node, key) { return bareTokens([bare], node, key, deprecations: &deprecations) }
            fail(node, key, "expected a list of tokens ({name, scope, token} or {name, scope, sha256})")
            return nil
        }
        if items.allSatisfy({ if case .scalar = $0 { true } else { false } }) {
            return bareTokens(items.compactMap { string($0, key) }, node, key, deprecations: &deprecations)
        }
        var tokens: [ServeToken] = []
        var ok = true
        for (i, item) in items.enumerated() {
            let at = "\(key)[\(i)]"
            let errorsBefore = errors.count
            var name: String?
            var scope: ServeToken.Scope?
            var secret: ServeToken.Secret?
            for (k, _, v) in mapping(item, at, allowed: ["name", "scope", "token", "sha256"]) {
                guard let text = string(v, "\(at).\(k)") else { continue }
                switch k {
                case "name":
                    if text.isEmpty || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                        fail(v, "\(at).name", "expected a short name without control characters, like ci or team-page")
                    } else {
                        name = text
                    }
                case "scope":
                    if let s = ServeToken.Scope(rawValue: text) {
                        scope = s
                    } else {
                        fail(v, "\(at).scope", "'\(text)' is not read or write")
                    }
                case "token":
                    // The value is a secret: say what is wrong with it, never what it is.
                    if text.count < 16 {
                        fail(
                            v, "\(at).token", "\(text.isEmpty ? "empty" : "shorter than 16 characters"); use `tamwatch token` for a new one"
                        )
                    } else {
                        secret = .plain(text)
                    }
                default:
                    if let digest = ServeToken.digest(hex: text) {
                        secret = .sha256(digest)
                    } else {
                        fail(v, "\(at).sha256", "expected 64 hexadecimal digits (the SHA-256 that `tamwatch token` prints)")
                    }
                }
            }
            // Only the entry's first problem: a bad value is not also reported as missing.
            guard errors.count == errorsBefore else {
                ok = false
                continue
            }
            guard let secret, let scope else {
                fail(item, secret == nil ? at : "\(at).scope", secret == nil ? "give token or sha256" : "is required (read or write)")
                ok = false
                continue
            }
            let entry = ServeToken(name: name ?? "token-\(i + 1)", scope: scope, secret: secret)
            if tokens.contains(where: { $0.name == entry.name }) { fail(item, "\(at).name", "'\(entry.name)' names two tokens") }
            tokens.append(entry)
        }
        return ok ? tokens : nil
    }

    private mutating func bareTokens(_ values: [String], _ node: Node, _ key: String, deprecations: inout [String]) -> [ServeToken]? {
        if let i = values.firstIndex(where: { $0.count < 16 }) {
            // The value is a secret: say which one, never what it is.
            fail(node, key, "token \(i + 1) is \(values[i].isEmpty ? "empty" : "shorter than 16 characters"); use a long random value")
            return nil
        }
        deprecations.append(
            "\(file):\((node.mark?.line).map(String.init) ?? "?"): serve.tokens as a list of bare tokens is deprecated; each is "
                + "taken with the write scope. Write entries like {name: ci, scope: write, sha256: ...} (`tamwatch token` prints one)")
        return values.enumerated().map { ServeToken(name: "token-\($0.offset + 1)", scope: .write, secret: .plain($0.element)) }
    }

    mutating func readWatch(_ node: Node, _ watch: inout TamwatchConfig.Watch) {
        var milestoneNode: Node?
        for (k, keyNode, v) in mapping(
            node, "watch",
            allowed: [
                "milestones", "milestone_every", "stall_after",
                "max_poll_interval", "not_found_grace", "give_up_after",
            ])
        {
            let key = "watch.\(k)"
            switch k {
            case "milestones":
                if let existing = milestoneNode {
                    fail(keyNode, key, "give milestones or milestone_every, not both (other at line \(existing.mark?.line ?? 0))")
                }
                milestoneNode = keyNode
                guard case .sequence(let seq) = v else { fail(v, key, "expected a list of numbers, like [1000, 5000]"); continue }
                watch.milestones = .list(seq.compactMap { positiveInt($0, key) })
            case "milestone_every":
                if let existing = milestoneNode {
                    fail(keyNode, key, "give milestones or milestone_every, not both (other at line \(existing.mark?.line ?? 0))")
                }
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
}
