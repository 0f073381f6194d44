import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// Google Chat: a message within 32,000 bytes, and its answers.
@Suite("Google Chat", .timeLimit(.minutes(5)))
struct GoogleChatTests {
    static func checkLimits(_ json: JSONValue, _ what: String) {
        let bytes = json.serialized().utf8.count
        #expect(bytes <= 32_000, "\(what): \(bytes) bytes")
    }

    @Test("answers: 200 delivers; 404 disables the channel; 429 retries on the schedule")
    func answers() async throws {
        #expect(try await ChatChannelTests.answer(.googlechat, ChatChannelTests.response(200, "{}")).0.outcome == .delivered)
        guard case .disableChannel = try await ChatChannelTests.answer(.googlechat, ChatChannelTests.response(404)).0.outcome else {
            Issue.record("Google Chat 404"); return
        }
        #expect(
            try await ChatChannelTests.answer(.googlechat, ChatChannelTests.response(429)).0.outcome
                == .retry(reason: "HTTP 429", retryAfter: nil))
    }
}
