import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// Mattermost: its text limit, mention escaping, and how its webhook answers.
@Suite("Mattermost", .timeLimit(.minutes(5)))
struct MattermostTests {
    static func checkLimits(_ json: JSONValue, _ what: String) {
        #expect((json["text"]?.stringValue?.count ?? 0) <= 16_383, "\(what)")
    }

    @Test("@channel, @here and @all are defused; words that only start like one are left alone")
    func mentions() {
        #expect(ChatChannelTests.wholeChannelPings(Mattermost.escape("@channel @here @all"), .mattermost).isEmpty)
        #expect(Mattermost.escape("@channels and @here.now") == "@channels and @here.now")
    }

    @Test("answers: 200 ok delivers")
    func answers() async throws {
        #expect(try await ChatChannelTests.answer(.mattermost, ChatChannelTests.response(200, "ok")).0.outcome == .delivered)
    }
}
