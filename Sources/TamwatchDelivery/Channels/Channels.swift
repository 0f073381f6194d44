import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchRules

/// Builds the channel for a config entry.
public enum Channels {
    public static func make(_ config: ChannelConfig, transport: any Transport) throws(ChannelSetupError) -> any DeliveryChannel {
        switch config.type {
        case .webhook:
            do { return try WebhookChannel(config: config, transport: transport) } catch {
                throw ChannelSetupError(channel: config.name, message: "\(error) (the value is not shown)")
            }
        case .email: return EmailChannel(config: config, transport: transport)
        case .slack: return ChatChannel<Slack>(config: config, transport: transport)
        case .mattermost: return ChatChannel<Mattermost>(config: config, transport: transport)
        case .discord: return ChatChannel<Discord>(config: config, transport: transport)
        case .teams: return ChatChannel<Teams>(config: config, transport: transport)
        case .googlechat: return ChatChannel<GoogleChat>(config: config, transport: transport)
        }
    }
}
