import ArgumentParser
import Foundation
import TamwatchConfig
import TamwatchModel

/// Which (rule, channel) pairs `render` and `test-send` show.
enum RenderTargets {
    struct Pair {
        var rule: String?
        var channel: ChannelConfig
        var template: String?
    }

    static func pairs(config: TamwatchConfig, type: EventType, rule: String?, channel: String?) throws -> [Pair] {
        if let rule {
            guard let r = config.rules.first(where: { $0.name == rule }) else {
                printError("tamwatch: no rule '\(rule)' (rules: \(config.rules.map(\.name).joined(separator: ", ")))")
                throw Exit.usage
            }
            let names = r.to.filter { channel == nil || $0 == channel }
            let chosen = config.channels.filter { names.contains($0.name) }
            guard !chosen.isEmpty else {
                printError("tamwatch: rule '\(rule)' does not send to '\(channel ?? "")' (it sends to: \(r.to.joined(separator: ", ")))")
                throw Exit.usage
            }
            return chosen.map { Pair(rule: r.name, channel: $0, template: r.template) }
        }
        let chosen = config.channels.filter { channel == nil || $0.name == channel }
        guard !chosen.isEmpty else {
            let known = config.channels.map(\.name)
            printError(
                "tamwatch: no channel '\(channel ?? "")' (\(known.isEmpty ? "the configuration has none; pass --config, or a kind such as --channel slack" : "channels: \(known.joined(separator: ", "))"))"
            )
            throw Exit.usage
        }
        // Each channel through the first rule that would send this type of event to it.
        return chosen.map { c in
            let r = config.rules.first { $0.to.contains(c.name) && $0.selects(type) }
            return Pair(rule: r?.name, channel: c, template: r?.template)
        }
    }

    /// The bytes a channel sends; for email, the envelope and parts.
    static func text(_ m: RenderedMessage, kind: ChannelType) -> String {
        guard kind == .email else { return m.body + "\n" }
        var out = "To: \((m.to ?? []).joined(separator: ", "))\nSubject: \(m.subject ?? "")\n\n--- text/plain\n\(m.body)"
        if !m.body.hasSuffix("\n") { out += "\n" }
        if let html = m.html { out += "--- text/html\n\(html)" + (html.hasSuffix("\n") ? "" : "\n") }
        return out
    }
}
