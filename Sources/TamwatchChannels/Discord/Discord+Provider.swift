import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

extension Discord: ChatProvider {
    public static let kind = ChannelType.discord

    public static func plain(_ text: String) -> JSONValue {
        .object([("content", .string(text)), ("allowed_mentions", noMentions)])
    }

    public static func url(_ configured: String) -> String {
        guard !configured.contains("wait=") else { return configured }
        return configured + (configured.contains("?") ? "&" : "?") + "wait=true"
    }

    /// 2xx delivered; 404 means the webhook was deleted (never use it again): disable; 429 waits
    /// for the JSON `retry_after` (or `Retry-After`); other 4xx dead; 5xx retry.
    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        switch response.status {
        case 404:
            return .disableChannel(reason: "Discord answered HTTP 404: the webhook was deleted")
        case 429:
            var wait = response.retryAfter()
            if let json = try? JSONValue.parse(bytes: response.body), let seconds = json["retry_after"]?.doubleValue,
                seconds.isFinite, seconds >= 0
            {
                wait = .milliseconds(Int64((min(seconds, RetryAfter.ceiling.seconds) * 1000).rounded(.up)))
            }
            return .retry(reason: "HTTP 429 (Discord rate limit)", retryAfter: wait)
        default:
            return HTTPStatusClassifier().classify(response)
        }
    }
}
