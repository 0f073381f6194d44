import Foundation
import TamwatchShipped
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// What every chat kind shares: the shipped templates for every event type within each
/// provider's limits (each provider's own suite says what they are), no whole-channel pings,
/// oversized content shortened visibly. The helpers here serve the providers' suites too.
@Suite("Chat channels", .timeLimit(.minutes(5)))
struct ChatChannelTests {
    static let shipped: TemplateSet = (try? TemplateSet.load(folders: [], builtIn: Shipped.templates)) ?? TemplateSet()

    static let chatKinds: [ChannelType] = [.slack, .mattermost, .discord, .teams, .googlechat]

    static func render(_ event: Event, _ kind: ChannelType, templates: TemplateSet = ChatChannelTests.shipped, template: String? = nil)
        throws
        -> JSONValue
    {
        let channel = ChannelConfig(name: kind.rawValue, type: kind, url: "https://example.invalid/")
        let out = Renderer(templates: templates).render(event, channel: channel, rule: "r", template: template, folded: 2)
        #expect(out.error == nil, "\(kind) \(event.type): \(out.error ?? "")")
        return try JSONValue.parse(out.message.body)
    }

    /// Every limit of one provider, for one payload of its kind.
    func checkLimits(_ json: JSONValue, _ kind: ChannelType, _ what: String) {
        switch kind {
        case .slack: SlackTests.checkLimits(json, what)
        case .mattermost: MattermostTests.checkLimits(json, what)
        case .discord: DiscordTests.checkLimits(json, what)
        case .teams: TeamsTests.checkLimits(json, what)
        case .googlechat: GoogleChatTests.checkLimits(json, what)
        default: Issue.record("\(kind) is not a chat kind")
        }
    }

    /// API text and labels that try to notify everyone, in every form the providers know.
    static func pinging(_ type: EventType) -> Event {
        let ping = "@channel @here @all @everyone <!channel> <!here> <users/all> <USERS/all>"
        var event = sampleEvent(
            type, labels: ["owner": ping],
            data: .object([
                ("status", .string("failed")), ("error_message", .string(ping)),
                ("progress_message", .string(ping)), ("message", .string(ping)),
            ]))
        event.job = event.job.setting("progress_message", .string(ping)).setting("status", .string(ping))
        return event
    }

    /// Mentions that would notify a whole channel, as the text of one provider reads them.
    static func wholeChannelPings(_ text: String, _ kind: ChannelType) -> [String] {
        let lower = text.lowercased()
        switch kind {
        case .slack: return ["<!channel>", "<!here>", "<!everyone>"].filter(lower.contains)
        case .mattermost:
            return ["@channel", "@here", "@all"].filter { word in
                lower.components(separatedBy: word).dropFirst().contains { rest in
                    !(rest.first.map { $0.isLetter || $0.isNumber || "_-.".contains($0) } ?? false)
                }
            }
        case .googlechat: return ["<users/all>"].filter(lower.contains)
        default: return []
        }
    }

    @Test("API text and labels never ping a whole channel: templates and the plain fallback", arguments: ChatChannelTests.chatKinds)
    func noChannelWidePings(_ kind: ChannelType) throws {
        for type in EventType.allCases {
            let event = Self.pinging(type)
            let fallback = try JSONValue.parse(Renderer.fallback(event, kind: kind, folded: 0).body)
            for (what, json) in [("template", try Self.render(event, kind)), ("fallback", fallback)] {
                let pings = Self.wholeChannelPings(json.serialized(), kind)
                #expect(pings.isEmpty, "\(kind) \(type) \(what): \(pings)")
                if kind == .discord {
                    #expect(json["allowed_mentions"] == .object([("parse", .array([]))]), "\(type) \(what)")
                }
            }
        }
    }

    @Test("every shipped template, every event type: valid JSON within the provider's limits", arguments: ChatChannelTests.chatKinds)
    func shippedTemplates(_ kind: ChannelType) throws {
        #expect(
            Self.shipped.find(kind: kind, templateName: nil, eventType: .progress, suffix: "json") != nil,
            "templates/\(kind.rawValue)/default.json ships")
        for type in EventType.allCases {
            let json = try Self.render(SampleEvents.make(type), kind)
            checkLimits(json, kind, "\(kind.rawValue) \(type.rawValue)")
            // Which build, what happened, how far along: all visible.
            let text = json.serialized()
            if type == .creditsLow {
                #expect(text.contains("850") && !text.contains("build `"), "\(kind) \(type): the balance, and no empty build")
            } else {
                #expect(text.contains("8a8e8a97"), "\(kind) \(type): the build is named")
            }
        }
    }

    @Test(
        "a completed build's message lists its top companies (name, domain, score, band); without them, no empty block",
        arguments: ChatChannelTests.chatKinds)
    func topCompanies(_ kind: ChannelType) throws {
        let event = SampleEvents.make(.terminal)
        let text = try Self.render(event, kind).serialized()
        #expect(text.contains("Top 5 companies"), "\(kind)")
        for expected in ["Acme Observability", "acme-observe.com", "97", "201-1000", "Tracewell", "sablepike.dev"] {
            #expect(text.contains(expected), "\(kind): \(expected)")
        }
        #expect(text.range(of: "Acme Observability")!.lowerBound < text.range(of: "Tracewell")!.lowerBound, "ranked order")
        var bare = event
        if case .object(let members) = bare.data { bare.data = .object(members.filter { $0.0 != "top" }) }
        let without = try Self.render(bare, kind)
        checkLimits(without, kind, "\(kind) terminal without top")
        #expect(!without.serialized().contains("Top "), "\(kind)")
    }

    @Test("a test-send message is marked as a test in its title and footer, in every kind")
    func testSendMarked() throws {
        for kind in Self.chatKinds + [.email] {
            var channel = ChannelConfig(name: kind.rawValue, type: kind, url: "https://example.invalid/")
            channel.to = ["ana@example.com"]
            let event = SampleEvents.make(.terminal)
            let marked = Renderer(templates: Self.shipped).render(event, channel: channel, rule: "r", template: nil, folded: 0, test: true)
            let plain = Renderer(templates: Self.shipped).render(event, channel: channel, rule: "r", template: nil, folded: 0)
            let text = marked.message.body + (marked.message.subject ?? "") + (marked.message.html ?? "")
            #expect(text.contains("Test: "), "\(kind): the title says test")
            #expect(text.contains("tamwatch test-send"), "\(kind): the footer says where it came from")
            #expect(!(plain.message.body + (plain.message.subject ?? "")).contains("Test: "), "\(kind): a real message is not marked")
        }
    }

    @Test("oversized content is shortened visibly, never left for the provider to reject", arguments: ChatChannelTests.chatKinds)
    func oversized(_ kind: ChannelType) throws {
        let huge = String(repeating: "grid cell skipped; ", count: 3000)  // 57,000 characters
        var event = SampleEvents.make(.terminal, labels: ["owner": huge])
        event.data = event.data.setting("error_message", .string(huge))
        event.job = event.job.setting("progress_message", .string(huge))
        let json = try Self.render(event, kind)
        checkLimits(json, kind, "\(kind.rawValue) oversized")
        #expect(json.serialized().contains("…"), "\(kind): the cut shows")
    }

    /// A loopback receiver answering like the provider, the real channel in front of it.
    static func answer(_ kind: ChannelType, _ raw: String) async throws -> (AttemptOutcome, String) {
        let server = try RawHTTPServer(.respond(raw))
        defer { server.close() }
        let config = ChannelConfig(name: "c", type: kind, url: "http://127.0.0.1:\(server.port)/hook")
        let channel = try Channels.make(config, transport: CurlTransport())
        let d = Delivery(
            id: "dlv_1", eventId: "evt_1", jobId: "j", eventType: .terminal, channel: "c", rule: "r",
            message: RenderedMessage(body: #"{"text":"hi"}"#), folded: 0, createdAt: Date())
        let outcome = await channel.send(d, now: Date())
        return (outcome, server.requestTexts.first ?? "")
    }

    static func response(_ status: Int, _ body: String = "", headers: [String] = []) -> String {
        (["HTTP/1.1 \(status) X", "Content-Length: \(body.utf8.count)"] + headers).joined(separator: "\r\n") + "\r\n\r\n" + body
    }
}
