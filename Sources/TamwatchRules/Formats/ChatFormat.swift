import Foundation
import TamwatchConfig
import TamwatchModel

/// A chat provider's message format: its escaping and the limits a rendered payload is made to fit.
public protocol ChatFormat: Sendable {
    /// Visibly truncates what exceeds the provider's limits, so the provider never rejects a
    /// message for its size. Pure; applied when a delivery is queued.
    static func fit(_ payload: JSONValue) -> JSONValue
}

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
