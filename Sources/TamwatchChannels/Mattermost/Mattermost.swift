import Foundation
import TamwatchModel

/// Mattermost incoming webhooks: Slack-compatible `text` (Markdown) and `attachments`; no Block
/// Kit. Text up to 16,383 characters. Success is 200 `ok`.
public enum Mattermost: Sendable {
    static let maxText = 16_383

    /// Slack's escaping, and `@channel`, `@here` and `@all` broken by a zero-width space, so a
    /// value (a progress message, a label) can never notify a whole channel.
    public static func escape(_ text: String) -> String {
        MentionGuard.breaking(["@channel", "@here", "@all"], in: Slack.escape(text))
    }

    public static func fit(_ payload: JSONValue) -> JSONValue {
        payload.truncating("text", to: maxText)
    }

}
