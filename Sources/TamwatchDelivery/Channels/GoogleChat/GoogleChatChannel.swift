import Foundation
import TamwatchHTTP
import TamwatchRules

extension GoogleChat: ChatProvider {
    /// 404 means the webhook or space is gone: disable. 429 (space quota) retries.
    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        if response.status == 404 { return .disableChannel(reason: "Google Chat answered HTTP 404: the webhook or its space is gone") }
        return HTTPStatusClassifier().classify(response)
    }
}
