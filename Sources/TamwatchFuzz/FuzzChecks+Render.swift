import Foundation
import TamwatchChannels
import TamwatchConfig
import TamwatchModel
import TamwatchRules
import TamwatchShipped

extension FuzzChecks {
    /// The shipped templates with every template context string taken from the input: each
    /// chat message is valid JSON within its provider's limits (fitting it again changes
    /// nothing) and no text from the event becomes a mention of everyone; every email recipient
    /// is one address; a webhook body reads back as the event.
    public static func render(_ bytes: [UInt8]) -> String? {
        var input = FuzzInput(bytes)
        let type = EventType.allCases[input.below(EventType.allCases.count)]
        let sample = SampleEvents.make(type, at: Date(timeIntervalSince1970: 1_796_000_000))
        var strings = input.strings()
        var next = 0
        func hostile() -> String {
            defer { next += 1 }
            return strings[next % strings.count]
        }
        if let problem = RenderSetup.shared.problem { return problem }
        if strings.allSatisfy(\.isEmpty) { strings = ["@here <!channel> <users/all> @everyone"] }
        var event = sample
        event.data = replacingStrings(sample.data, with: hostile)
        event.job = replacingStrings(sample.job, with: hostile)
        event.labels = sample.labels.mapValues { _ in hostile() }

        for channel in RenderSetup.shared.channels {
            let out = RenderSetup.shared.renderer.render(event, channel: channel, rule: hostile(), template: nil, folded: 0)
            let kind = channel.type
            if let problem = renderProblem(out, kind: kind, event: event) { return "\(type.rawValue) for \(kind.rawValue): \(problem)" }
        }
        return nil
    }

    static func renderProblem(_ out: Renderer.Output, kind: ChannelType, event: Event) -> String? {
        let message = out.message
        if kind == .email {
            for address in message.to ?? [] where EmailAddress(address)?.description != address || address.contains(where: \.isNewline) {
                return "recipient \(address.debugDescription) is not one address"
            }
            return nil
        }
        if let error = out.error { return error }
        let body: JSONValue
        do { body = try JSONValue.parse(message.body) } catch { return "the body is not JSON: \(message.body.prefix(300))" }
        if kind == .webhook {
            return Event(json: body) == event ? nil : "the webhook body does not read back as the event"
        }
        if Channels.fit(body, kind: kind) != body { return "the body is over the provider's limits: \(message.body.prefix(300))" }
        let texts = leaves(body)
        switch kind {
        case .slack:
            if let hit = texts.first(where: { $0.contains("<!") || $0.contains("<@") }) { return "a mention: \(hit.prefix(200))" }
        case .mattermost:
            if let hit = texts.first(where: { mentionsEveryone($0, words: ["@channel", "@here", "@all"]) }) {
                return "a mention: \(hit.prefix(200))"
            }
        case .googlechat:
            if let hit = texts.first(where: { $0.contains("<users/") }) { return "a mention: \(hit.prefix(200))" }
        case .discord:
            if body["allowed_mentions"] != .object([("parse", .array([]))]) { return "allowed_mentions is not {\"parse\": []}" }
        case .teams, .webhook, .email:
            break
        }
        return nil
    }

    /// Every string in a JSON value, keys left out.
    static func leaves(_ value: JSONValue) -> [String] {
        switch value {
        case .string(let s): return [s]
        case .array(let items): return items.flatMap(leaves)
        case .object(let members): return members.flatMap { leaves($0.1) }
        default: return []
        }
    }

    /// A whole-word `@here` (not `@here.now` or `@heres`), case aside: the way Mattermost reads one.
    static func mentionsEveryone(_ text: String, words: [String]) -> Bool {
        let lower = text.lowercased()
        for word in words {
            var from = lower.startIndex
            while let r = lower.range(of: word, range: from..<lower.endIndex) {
                let after = lower[r.upperBound...].first
                if !(after.map { $0.isLetter || $0.isNumber || "_-.".contains($0) } ?? false) { return true }
                from = r.upperBound
            }
        }
        return false
    }

    static func replacingStrings(_ value: JSONValue, with next: () -> String) -> JSONValue {
        switch value {
        case .string: return .string(next())
        case .array(let items): return .array(items.map { replacingStrings($0, with: next) })
        case .object(let members): return .object(members.map { ($0.0, replacingStrings($0.1, with: next)) })
        default: return value
        }
    }
}

/// The shipped templates, and a channel of every kind (email's recipients templated from a label).
struct RenderSetup: Sendable {
    static let shared = RenderSetup()

    let renderer: Renderer
    let channels: [ChannelConfig]
    /// Set when the shipped templates do not load (the check then fails on every input).
    let problem: String?

    init() {
        var channels = ChannelType.allCases.map { kind in
            ChannelConfig(name: kind.rawValue, type: kind, url: kind == .email ? "smtp://127.0.0.1" : "https://example.invalid/")
        }
        if let email = channels.firstIndex(where: { $0.type == .email }) { channels[email].to = ["{{labels.owner}}", "ops@example.com"] }
        self.channels = channels
        var templates = TemplateSet()
        var problems: [String] = []
        do { templates = try TemplateSet.load(folders: [], builtIn: Shipped.templates) } catch {
            problems += error.errors.map(\.description)
        }
        let (recipients, errors) = Renderer.compileRecipients(channels, file: "fuzz.yaml")
        problems += errors.map(\.description)
        renderer = Renderer(templates: templates, recipients: recipients)
        problem = problems.isEmpty ? nil : "the shipped templates do not load: " + problems.joined(separator: "; ")
    }
}
