import Foundation
import Mustache
import TamwatchModel

/// Mattermost's escaping (mrkdwn characters, channel-wide mentions), then JSON's.
struct MattermostJSONContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        String.jsonStringBody(Mattermost.escape(text))
    }
}
