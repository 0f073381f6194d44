import Foundation
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
            case "serve": readServe(value, &config.serve)
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

    mutating func readServe(_ node: Node, _ serve: inout TamwatchConfig.Serve) {
        for (k, _, v) in mapping(node, "serve", allowed: ["listen", "tokens"]) {
            let key = "serve.\(k)"
            switch k {
            case "listen":
                guard let text = string(v, key) else { break }
                if let address = ListenAddress(text) { serve.listen = address } else { fail(v, key, ListenAddress.problem(text)) }
            default:
                guard let tokens = strings(v, key) else { break }
                if let i = tokens.firstIndex(where: { $0.count < 16 }) {
                    // The value is a secret: say which one, never what it is.
                    fail(v, key, "token \(i + 1) is \(tokens[i].isEmpty ? "empty" : "shorter than 16 characters"); use a long random value")
                } else {
                    serve.tokens = tokens
                }
            }
        }
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
