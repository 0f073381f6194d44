import Foundation
import Mustache
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

extension Slack: ChatProvider {
    public static let kind = ChannelType.slack
    public static let contentType: (name: String, type: any MustacheContentType)? = ("SLACK_JSON", SlackJSONContentType())

    public static func plain(_ text: String) -> JSONValue {
        .object([("text", .string(escape(text)))])
    }

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
