import Foundation
import TamwatchHTTP
import TamwatchRules

extension Teams: ChatProvider {
    /// Legacy connectors could answer 200 with an error text; Workflows answers 202.
    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        if response.status == 200, response.bodyText.localizedCaseInsensitiveContains("failed") {
            return .retry(reason: "Teams answered 200 with an error: \(response.bodyText.prefix(200))", retryAfter: nil)
        }
        if response.status == 413 { return .dead(reason: "HTTP 413: Teams refused the card as too large") }
        return HTTPStatusClassifier().classify(response)
    }
}
