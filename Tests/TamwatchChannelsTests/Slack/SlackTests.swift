import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// Slack: Block Kit limits, mrkdwn escaping, and how its webhook answers.
@Suite("Slack", .timeLimit(.minutes(5)))
struct SlackTests {
    /// Text beside the blocks, at most 50 blocks, header, section and field lengths.
    static func checkLimits(_ json: JSONValue, _ what: String) {
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
    }

    @Test("more than 50 blocks keep 49 and say how many were left out; mrkdwn's & < > escaped in values")
    func blocksAndEscaping() throws {
        let many = (0..<70).map { _ in #"{"type": "divider"}"# }.joined(separator: ",")
        var set = TemplateSet()
        set.add(
            try TemplateSet.parse(
                #"{"text": "{{labels.owner}}", "blocks": [\#(many)]}"#, path: "/t/slack/many.json",
                key: "slack/many.json", format: .json))
        let json = try ChatChannelTests.render(
            SampleEvents.make(.progress, labels: ["owner": "<!channel> R&D <team>"]), .slack, templates: set, template: "many")
        guard case .array(let blocks)? = json["blocks"] else { Issue.record("no blocks"); return }
        #expect(blocks.count == 50)
        #expect(blocks.last?["elements"]?[0]?["text"]?.stringValue == "… 21 more blocks not shown (Slack shows at most 50)")
        #expect(json["text"]?.stringValue == "&lt;!channel&gt; R&amp;D &lt;team&gt;", "a label cannot ping a channel or break markup")
    }

    @Test("answers: ok delivers; a missing or archived channel disables it; invalid_payload is dead; 429 waits its Retry-After")
    func answers() async throws {
        func response(_ s: Int, _ b: String, _ h: [String]) -> String { ChatChannelTests.response(s, b, headers: h) }
        #expect(try await ChatChannelTests.answer(.slack, response(200, "ok", [])).0.outcome == .delivered)
        for gone in ["channel_not_found", "no_service"] {
            guard case .disableChannel(let why) = try await ChatChannelTests.answer(.slack, response(404, gone, [])).0.outcome else {
                Issue.record("Slack 404 \(gone) should disable the channel"); continue
            }
            #expect(why.contains(gone))
        }
        guard case .disableChannel = try await ChatChannelTests.answer(.slack, response(410, "channel_is_archived", [])).0.outcome else {
            Issue.record("archived channel"); return
        }
        #expect(
            try await ChatChannelTests.answer(.slack, response(400, "invalid_payload", [])).0.outcome
                == .dead(reason: "HTTP 400: the receiver refused the delivery"))
        #expect(
            try await ChatChannelTests.answer(.slack, response(429, "", ["Retry-After: 7"])).0.outcome
                == .retry(reason: "HTTP 429", retryAfter: .seconds(7)))
    }
}
