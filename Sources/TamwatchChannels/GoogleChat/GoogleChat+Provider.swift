import Foundation
import Mustache
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

extension GoogleChat: ChatProvider {
    public static let kind = ChannelType.googlechat
    public static let contentType: (name: String, type: any MustacheContentType)? = ("GOOGLECHAT_JSON", GoogleChatJSONContentType())

    public static func plain(_ text: String) -> JSONValue {
        .object([("text", .string(escape(text)))])
    }

    /// 404 means the webhook or space is gone: disable. 429 (space quota) retries.
    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        if response.status == 404 { return .disableChannel(reason: "Google Chat answered HTTP 404: the webhook or its space is gone") }
        return HTTPStatusClassifier().classify(response)
    }
}
