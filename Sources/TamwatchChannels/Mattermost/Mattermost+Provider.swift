import Foundation
import Mustache
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

extension Mattermost: ChatProvider {
    public static let kind = ChannelType.mattermost
    public static let contentType: (name: String, type: any MustacheContentType)? = ("MATTERMOST_JSON", MattermostJSONContentType())

    public static func plain(_ text: String) -> JSONValue {
        .object([("text", .string(escape(text)))])
    }

    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        Slack.classify(response)
    }
}
