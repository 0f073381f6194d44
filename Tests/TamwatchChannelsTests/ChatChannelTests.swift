import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// The shipped templates of every chat kind, every event type, within each provider's limits;
/// oversized content shortened visibly, never rejected; the providers' answers classified.
@Suite("Chat channels", .timeLimit(.minutes(5)))
struct ChatChannelTests {
    static let shipped: TemplateSet = {
        guard let folder = ResourceLocator.directory("templates"), let set = try? TemplateSet.load(folders: [folder]) else {
            return TemplateSet()
        }
        return set
    }()

    static let chatKinds: [ChannelType] = [.slack, .mattermost, .discord, .teams, .googlechat]

    func render(_ event: Event, _ kind: ChannelType, templates: TemplateSet = ChatChannelTests.shipped, template: String? = nil) throws
        -> JSONValue
    {
        let channel = ChannelConfig(name: kind.rawValue, type: kind, url: "https://example.invalid/")
        let out = Renderer(templates: templates).render(event, channel: channel, rule: "r", template: template, folded: 2)
        #expect(out.error == nil, "\(kind) \(event.type): \(out.error ?? "")")
        return try JSONValue.parse(out.message.body)
    }

    /// Every limit the issue lists, for one payload of one kind.
    func checkLimits(_ json: JSONValue, _ kind: ChannelType, _ what: String) {
        let bytes = json.serialized().utf8.count
        switch kind {
        case .slack:
            #expect((json["text"]?.stringValue?.count ?? 0) <= 40_000, "\(what)")
            #expect(json["text"]?.stringValue?.isEmpty == false, "\(what): Slack needs text beside blocks")
            guard case .array(let blocks)? = json["blocks"] else { Issue.record("\(what): no blocks"); return }
            #expect(blocks.count <= 50, "\(what)")
            for b in blocks {
                if b["type"]?.stringValue == "header" { #expect((b["text"]?["text"]?.stringValue?.count ?? 0) <= 150, "\(what)") }
                if b["type"]?.stringValue == "section" {
                    #expect((b["text"]?["text"]?.stringValue?.count ?? 0) <= 3000, "\(what)")
                    if case .array(let fields)? = b["fields"] {
                        #expect(fields.count <= 10 && fields.allSatisfy { ($0["text"]?.stringValue?.count ?? 0) <= 2000 }, "\(what)")
                    }
                }
            }
        case .mattermost:
            #expect((json["text"]?.stringValue?.count ?? 0) <= 16_383, "\(what)")
        case .discord:
            #expect((json["content"]?.stringValue?.count ?? 0) <= 2000, "\(what)")
            guard case .array(let embeds)? = json["embeds"] else { return }
            #expect(embeds.count <= 10, "\(what)")
            #expect(embeds.map(Discord.embedLength).reduce(0, +) <= 6000, "\(what)")
            for e in embeds {
                #expect((e["title"]?.stringValue?.count ?? 0) <= 256 && (e["description"]?.stringValue?.count ?? 0) <= 4096, "\(what)")
            }
        case .teams:
            #expect(bytes <= 28 * 1024, "\(what): \(bytes) bytes")
            #expect(json["attachments"]?[0]?["contentType"]?.stringValue == "application/vnd.microsoft.card.adaptive", "\(what)")
        case .googlechat:
            #expect(bytes <= 32_000, "\(what): \(bytes) bytes")
        default: break
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
            for (what, json) in [("template", try render(event, kind)), ("fallback", fallback)] {
                let pings = Self.wholeChannelPings(json.serialized(), kind)
                #expect(pings.isEmpty, "\(kind) \(type) \(what): \(pings)")
                if kind == .discord {
                    #expect(json["allowed_mentions"] == .object([("parse", .array([]))]), "\(type) \(what)")
                }
            }
        }
        // A user's Discord template that chooses its own allowed_mentions keeps them.
        let own: JSONValue = .object([("content", .string("<@123>")), ("allowed_mentions", .object([("users", .array([.string("123")]))]))])
        #expect(Discord.fit(own)["allowed_mentions"] == own["allowed_mentions"])
        // Words that only start like a mention are left alone.
        #expect(Mattermost.escape("@channels and @here.now") == "@channels and @here.now")
    }

    @Test("every shipped template, every event type: valid JSON within the provider's limits", arguments: ChatChannelTests.chatKinds)
    func shippedTemplates(_ kind: ChannelType) throws {
        #expect(
            Self.shipped.find(kind: kind, templateName: nil, eventType: .progress, suffix: "json") != nil,
            "templates/\(kind.rawValue)/default.json ships")
        for type in EventType.allCases {
            let json = try render(SampleEvents.make(type), kind)
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
        let text = try render(event, kind).serialized()
        #expect(text.contains("Top 5 companies"), "\(kind)")
        for expected in ["Acme Observability", "acme-observe.com", "97", "201-1000", "Tracewell", "sablepike.dev"] {
            #expect(text.contains(expected), "\(kind): \(expected)")
        }
        #expect(text.range(of: "Acme Observability")!.lowerBound < text.range(of: "Tracewell")!.lowerBound, "ranked order")
        var bare = event
        if case .object(let members) = bare.data { bare.data = .object(members.filter { $0.0 != "top" }) }
        let without = try render(bare, kind)
        checkLimits(without, kind, "\(kind) terminal without top")
        #expect(!without.serialized().contains("Top "), "\(kind)")
    }

    @Test("oversized content is shortened visibly, never left for the provider to reject", arguments: ChatChannelTests.chatKinds)
    func oversized(_ kind: ChannelType) throws {
        let huge = String(repeating: "grid cell skipped; ", count: 3000)  // 57,000 characters
        var event = SampleEvents.make(.terminal, labels: ["owner": huge])
        event.data = event.data.setting("error_message", .string(huge))
        event.job = event.job.setting("progress_message", .string(huge))
        let json = try render(event, kind)
        checkLimits(json, kind, "\(kind.rawValue) oversized")
        #expect(json.serialized().contains("…"), "\(kind): the cut shows")
    }

    @Test("Slack: more than 50 blocks keep 49 and say how many were left out; mrkdwn's & < > escaped in values")
    func slackBlocksAndEscaping() throws {
        let many = (0..<70).map { _ in #"{"type": "divider"}"# }.joined(separator: ",")
        var set = TemplateSet()
        set.add(
            try TemplateSet.parse(
                #"{"text": "{{labels.owner}}", "blocks": [\#(many)]}"#, path: "/t/slack/many.json",
                key: "slack/many.json", format: .json))
        let json = try render(
            SampleEvents.make(.progress, labels: ["owner": "<!channel> R&D <team>"]), .slack, templates: set, template: "many")
        guard case .array(let blocks)? = json["blocks"] else { Issue.record("no blocks"); return }
        #expect(blocks.count == 50)
        #expect(blocks.last?["elements"]?[0]?["text"]?.stringValue == "… 21 more blocks not shown (Slack shows at most 50)")
        #expect(json["text"]?.stringValue == "&lt;!channel&gt; R&amp;D &lt;team&gt;", "a label cannot ping a channel or break markup")
    }

    @Test("Discord: over 6,000 characters across embeds, descriptions are cut from the last embed back")
    func discordTotal() throws {
        let embed: (Int) -> JSONValue = { n in
            .object([("title", .string("t\(n)")), ("description", .string(String(repeating: "x", count: 4000)))])
        }
        let fitted = Discord.fit(
            .object([("content", .string(String(repeating: "y", count: 2500))), ("embeds", .array((0..<12).map(embed)))]))
        guard case .array(let embeds)? = fitted["embeds"] else { Issue.record("no embeds"); return }
        #expect(embeds.count <= 10)
        #expect(embeds.map(Discord.embedLength).reduce(0, +) <= 6000)
        #expect(fitted["content"]?.stringValue?.count == 2000)
        #expect(Discord.url("https://discord.com/api/webhooks/1/abc") == "https://discord.com/api/webhooks/1/abc?wait=true")
        #expect(
            Discord.url("https://discord.com/api/webhooks/1/abc?thread_id=5")
                == "https://discord.com/api/webhooks/1/abc?thread_id=5&wait=true")
    }

    /// A loopback receiver answering like the provider, the real channel in front of it.
    func answer(_ kind: ChannelType, _ raw: String) async throws -> (AttemptOutcome, String) {
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

    @Test("providers' answers: success, rate limits with their waits, and the errors that disable a channel")
    func answers() async throws {
        #expect(try await answer(.slack, Self.response(200, "ok")).0.outcome == .delivered)
        for gone in ["channel_not_found", "no_service"] {
            guard case .disableChannel(let why) = try await answer(.slack, Self.response(404, gone)).0.outcome else {
                Issue.record("Slack 404 \(gone) should disable the channel"); continue
            }
            #expect(why.contains(gone))
        }
        guard case .disableChannel = try await answer(.slack, Self.response(410, "channel_is_archived")).0.outcome else {
            Issue.record("archived channel"); return
        }
        #expect(
            try await answer(.slack, Self.response(400, "invalid_payload")).0.outcome
                == .dead(reason: "HTTP 400: the receiver refused the delivery"))
        #expect(
            try await answer(.slack, Self.response(429, "", headers: ["Retry-After: 7"])).0.outcome
                == .retry(reason: "HTTP 429", retryAfter: .seconds(7)))
        #expect(try await answer(.mattermost, Self.response(200, "ok")).0.outcome == .delivered)

        let (discord429, request) = try await answer(
            .discord, Self.response(429, #"{"message":"You are being rate limited.","retry_after":2.5,"global":false}"#))
        #expect(discord429.outcome == .retry(reason: "HTTP 429 (Discord rate limit)", retryAfter: .milliseconds(2500)))
        #expect(request.hasPrefix("POST /hook?wait=true "), "Discord is asked to confirm the save")
        guard
            case .disableChannel = try await answer(.discord, Self.response(404, #"{"message":"Unknown Webhook","code":10015}"#)).0.outcome
        else {
            Issue.record("Discord 404 disables"); return
        }

        #expect(try await answer(.teams, Self.response(202)).0.outcome == .delivered, "Workflows answers 202")
        guard case .retry = try await answer(.teams, Self.response(200, "Webhook message delivery failed with error: 429")).0.outcome else {
            Issue.record("a 200 with an error text is not success"); return
        }
        #expect(try await answer(.googlechat, Self.response(200, "{}")).0.outcome == .delivered)
        guard case .disableChannel = try await answer(.googlechat, Self.response(404)).0.outcome else {
            Issue.record("Google Chat 404"); return
        }
        #expect(try await answer(.googlechat, Self.response(429)).0.outcome == .retry(reason: "HTTP 429", retryAfter: nil))
    }
}
