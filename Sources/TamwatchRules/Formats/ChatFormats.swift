import Foundation
import TamwatchConfig
import TamwatchModel

public enum ChatFormats {
    /// Makes a rendered chat payload fit its provider's limits (a no-op for webhooks and email).
    public static func fit(_ payload: JSONValue, kind: ChannelType) -> JSONValue {
        switch kind {
        case .slack: return Slack.fit(payload)
        case .mattermost: return Mattermost.fit(payload)
        case .discord: return Discord.fit(payload)
        case .teams: return Teams.fit(payload)
        case .googlechat: return GoogleChat.fit(payload)
        case .webhook, .email: return payload
        }
    }
}
