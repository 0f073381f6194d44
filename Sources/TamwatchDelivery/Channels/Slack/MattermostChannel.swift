import Foundation
import TamwatchHTTP
import TamwatchRules

extension Mattermost: ChatProvider {
    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        Slack.classify(response)
    }
}
