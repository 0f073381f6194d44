import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// Microsoft Teams (Workflows): an Adaptive Card within 28 KB, and its answers.
@Suite("Microsoft Teams", .timeLimit(.minutes(5)))
struct TeamsTests {
    static func checkLimits(_ json: JSONValue, _ what: String) {
        let bytes = json.serialized().utf8.count
        #expect(bytes <= 28 * 1024, "\(what): \(bytes) bytes")
        #expect(json["attachments"]?[0]?["contentType"]?.stringValue == "application/vnd.microsoft.card.adaptive", "\(what)")
    }

    @Test("answers: Workflows' 202 delivers; a 200 whose text reports an error is not success")
    func answers() async throws {
        #expect(try await ChatChannelTests.answer(.teams, ChatChannelTests.response(202)).0.outcome == .delivered)
        let failed = try await ChatChannelTests.answer(
            .teams, ChatChannelTests.response(200, "Webhook message delivery failed with error: 429"))
        guard case .retry = failed.0.outcome else { Issue.record("a 200 with an error text is not success"); return }
    }
}
