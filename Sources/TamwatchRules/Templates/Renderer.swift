import Foundation
import TamwatchChannels
import TamwatchConfig
import TamwatchModel

/// Renders an event for one channel through the templates. Pure: the same inputs give the same bytes.
public struct Renderer: Sendable {
    public var templates: TemplateSet
    /// Each email channel's `to` entries, parsed once (`compileRecipients`).
    public var recipients: [String: [TemplateFile]]

    public init(templates: TemplateSet, recipients: [String: [TemplateFile]] = [:]) {
        self.templates = templates
        self.recipients = recipients
    }

    /// Parses the `to` of every email channel (recipients may be templated from labels); a
    /// broken one is a configuration error at start, not a surprise at send time.
    public static func compileRecipients(_ channels: [ChannelConfig], file: String) -> ([String: [TemplateFile]], [ConfigError]) {
        var compiled: [String: [TemplateFile]] = [:]
        var errors: [ConfigError] = []
        for channel in channels where channel.type == .email {
            compiled[channel.name] = channel.to.compactMap { entry in
                do throws(ConfigError) {
                    return try TemplateSet.parse(entry, path: file, key: "channels.\(channel.name).to", format: .txt)
                } catch {
                    errors.append(
                        ConfigError(
                            file: file, line: channel.line, key: "channels.\(channel.name).to",
                            message: "'\(entry)': \(error.message)"))
                    return nil
                }
            }
        }
        return (compiled, errors)
    }

    public struct Output: Sendable {
        public var message: RenderedMessage
        /// Set when a template rendered something unusable and the plain fallback was sent
        /// instead, or when a rendered recipient was not an email address and was left out.
        public var error: String?
    }

    /// `test`: a message `tamwatch test-send` sends, marked as a test in its title, headline and
    /// footer (the build and companies in it are made up).
    public func render(_ event: Event, channel: ChannelConfig, rule: String, template: String?, folded: Int, test: Bool = false) -> Output {
        render(event, envelope: event.json, channel: channel, rule: rule, template: template, folded: folded, test: test)
    }

    /// As above, with the event's envelope already built.
    func render(
        _ event: Event, envelope: JSONValue, channel: ChannelConfig, rule: String, template: String?, folded: Int, test: Bool = false
    ) -> Output {
        let context = {
            var context = Self.context(event, envelope: envelope, channel: channel.name, rule: rule, folded: folded)
            if test { Self.markAsTest(&context) }
            return context
        }
        switch channel.type {
        case .email:
            return renderEmail(event, channel: channel, template: template, context: context())
        default:
            guard let file = templates.find(kind: channel.type, templateName: template, eventType: event.type, suffix: "json") else {
                if channel.type == .webhook { return Output(message: RenderedMessage(body: envelope.serialized()), error: nil) }
                return Output(message: Self.fallback(event, kind: channel.type, folded: folded), error: nil)
            }
            let body = file.render(context())
            do {
                let parsed = try JSONValue.parse(body)
                // Within the provider's limits; compact and byte-stable: what is signed is what is sent.
                return Output(message: RenderedMessage(body: Channels.fit(parsed, kind: channel.type).serialized()), error: nil)
            } catch {
                return Output(
                    message: Self.fallback(event, kind: channel.type, folded: folded),
                    error: "template \(file.path) rendered invalid JSON for \(event.type.rawValue) (\(error)); sent the plain fallback")
            }
        }
    }

    func renderEmail(_ event: Event, channel: ChannelConfig, template: String?, context: [String: Any]) -> Output {
        var context = context
        if let note = Self.attachedNote(event, channel: channel) { context["next_step"] = note }
        func part(_ suffix: String) -> String? {
            templates.find(kind: .email, templateName: template, eventType: event.type, suffix: suffix)?.render(context)
        }
        let summary = Self.headline(event)
        let subject = part("subject.txt").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? summary
        let text = part("txt") ?? summary + "\n"
        let html = part("html")
        // Recipients may be templated from labels; one that renders empty is dropped, and one that
        // is not an email address (a label smuggling a second address or an SMTP command) is
        // dropped and reported.
        let rendered = (recipients[channel.name]?.map { $0.render(context) } ?? channel.to)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var to: [String] = []
        var problems: [String] = []
        for entry in rendered {
            if let address = EmailAddress(entry) {
                to.append(address.description)
            } else {
                problems.append("recipient '\(TerminalText.safe(entry))' is not an email address; left out")
            }
        }
        var message = RenderedMessage(body: text, contentType: "text/plain", subject: subject, html: html, to: to)
        if channel.attachResults { Self.attachResults(event, channel: channel, to: &message) }
        return Output(message: message, error: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// The message sent when no template applies or a template failed: plain and always valid.
    public static func fallback(_ event: Event, kind: ChannelType, folded: Int) -> RenderedMessage {
        var text = headline(event)
        if folded > 0 { text += " (+\(folded) more held back by the rule's throttle)" }
        switch kind {
        case .webhook: return RenderedMessage(body: event.json.serialized())
        case .email: return RenderedMessage(body: text + "\n", contentType: "text/plain", subject: headline(event))
        case .slack, .mattermost, .discord, .teams, .googlechat:
            return RenderedMessage(body: (Channels.chatProvider(kind)?.plain(text) ?? .object([("text", .string(text))])).serialized())
        }
    }

    /// `TAM build 8a8e8a97 "cloud observability tools": band 3/6 completed · 9,120 processed`
    /// (without the quoted query while the watch does not know it).
    public static func headline(_ event: Event) -> String {
        if event.jobId.isEmpty { return "OpenFunnel account: \(EventText.summary(event))" }
        let query = EventText.query(event).map { " \"\($0)\"" } ?? ""
        return "TAM build \(EventText.shortID(event.jobId))\(query): \(EventText.summary(event))"
    }

    /// The template context: the event envelope plus `rule`, `channel`, `folded`, `summary`,
    /// `headline` and `progress` (`percent`, `bar`, `bands`).
    public static func context(_ event: Event, envelope: JSONValue? = nil, channel: String, rule: String, folded: Int) -> [String: Any] {
        guard case .some(let base as [String: Any]) = mustacheValue(envelope ?? event.json) else { return [:] }
        var context = base
        context["rule"] = rule
        context["channel"] = channel
        context["folded"] = folded > 0 ? folded : nil
        context["summary"] = EventText.summary(event)
        context["headline"] = headline(event)
        // Absent for an event about the account (no build), so templates can test for it.
        if !event.jobId.isEmpty { context["short_job_id"] = EventText.shortID(event.jobId) }
        if let done = event.job["bands_done"]?.intValue, let total = event.job["bands_total"]?.intValue, total > 0 {
            let clamped = min(max(done, 0), total)
            context["progress"] =
                [
                    "percent": clamped * 100 / total,
                    "bar": String(repeating: "▰", count: clamped) + String(repeating: "▱", count: total - clamped),
                    "bands": "\(clamped)/\(total)",
                ] as [String: Any]
        }
        if let p = event.job["processed"]?.intValue { context["processed_text"] = EventText.count(p) }
        for (key, value) in Presentation.of(event) { context[key] = value }
        return context
    }

    /// What marks a test message in every template: its title, headline and footer.
    static func markAsTest(_ context: inout [String: Any]) {
        if let title = context["title"] as? String { context["title"] = "Test: \(title)" }
        if let headline = context["headline"] as? String { context["headline"] = "[test] \(headline)" }
        context["next_step"] = "This is a test message from tamwatch test-send: the build and its companies are made up."
    }

    /// JSON as the values swift-mustache walks: dictionaries, arrays, strings, numbers, bools;
    /// null becomes absent, so `{{#job.manifest}}` is false for a null manifest.
    static func mustacheValue(_ value: JSONValue) -> Any? {
        switch value {
        case .null: return nil
        case .bool(let b): return b
        case .int(let i): return Int(i)
        case .double(let d): return d
        case .string(let s): return s
        case .array(let items): return items.compactMap(mustacheValue)
        case .object(let members):
            var out: [String: Any] = [:]
            for (k, v) in members { if let m = mustacheValue(v) { out[k] = m } }
            return out
        }
    }
}
