import Foundation
import Mustache
import TamwatchModel

/// Escapes a value for mrkdwn (`&`, `<`, `>` only), then for the inside of a JSON string.
struct SlackJSONContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        String.jsonStringBody(Slack.escape(text))
    }
}
