import Foundation
import TamwatchHTTP
import TamwatchRules

extension Slack: ChatProvider {
    /// 200 `ok` is success. `no_service` and `channel_not_found` (404) and `channel_is_archived`
    /// (410) disable the channel; other 4xx (`invalid_payload`, `action_prohibited`) are dead;
    /// 429 waits for `Retry-After`; 5xx retries.
    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        let answer = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        switch (response.status, answer) {
        case (_, "no_service"), (_, "channel_not_found"), (_, "channel_is_archived"), (410, _):
            return .disableChannel(reason: "Slack answered HTTP \(response.status) \(answer): the webhook or its channel is gone")
        default:
            return HTTPStatusClassifier().classify(response)
        }
    }
}
