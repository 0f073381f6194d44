import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// Discord: embeds and their 6,000-character total, allowed mentions, `?wait=true`, and its
/// rate-limit answers.
@Suite("Discord", .timeLimit(.minutes(5)))
struct DiscordTests {
    static func checkLimits(_ json: JSONValue, _ what: String) {
        #expect((json["content"]?.stringValue?.count ?? 0) <= 2000, "\(what)")
        guard case .array(let embeds)? = json["embeds"] else { return }
        #expect(embeds.count <= 10, "\(what)")
        #expect(embeds.map(Discord.embedLength).reduce(0, +) <= 6000, "\(what)")
        for e in embeds {
            #expect((e["title"]?.stringValue?.count ?? 0) <= 256 && (e["description"]?.stringValue?.count ?? 0) <= 4096, "\(what)")
        }
    }

    @Test("over 6,000 characters across embeds, descriptions are cut from the last embed back; the URL asks to wait")
    func total() throws {
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

    @Test("no mention is parsed unless a user's template chooses its own allowed_mentions")
    func allowedMentions() {
        #expect(Discord.fit(.object([("content", .string("@everyone"))]))["allowed_mentions"] == .object([("parse", .array([]))]))
        let own: JSONValue = .object([("content", .string("<@123>")), ("allowed_mentions", .object([("users", .array([.string("123")]))]))])
        #expect(Discord.fit(own)["allowed_mentions"] == own["allowed_mentions"])
    }

    @Test("answers: a 429 waits its retry_after in seconds; Unknown Webhook disables the channel")
    func answers() async throws {
        let (limited, request) = try await ChatChannelTests.answer(
            .discord, ChatChannelTests.response(429, #"{"message":"You are being rate limited.","retry_after":2.5,"global":false}"#))
        #expect(limited.outcome == .retry(reason: "HTTP 429 (Discord rate limit)", retryAfter: .milliseconds(2500)))
        #expect(request.hasPrefix("POST /hook?wait=true "), "Discord is asked to confirm the save")
        let unknown = try await ChatChannelTests.answer(
            .discord, ChatChannelTests.response(404, #"{"message":"Unknown Webhook","code":10015}"#))
        guard case .disableChannel = unknown.0.outcome else { Issue.record("Discord 404 disables"); return }
    }
}
