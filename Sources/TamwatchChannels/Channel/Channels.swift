import Foundation
import Mustache
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

/// Every channel kind in one place: the channel a config entry makes, the message format a
/// rendered payload is fitted to, the content types the templates name.
public enum Channels {
    /// Every chat provider, once.
    public static let chat: [any ChatProvider.Type] = [Slack.self, Mattermost.self, Discord.self, Teams.self, GoogleChat.self]

    public static func chatProvider(_ kind: ChannelType) -> (any ChatProvider.Type)? { chat.first { $0.kind == kind } }

    /// Builds the channel for a config entry.
    public static func make(_ config: ChannelConfig, transport: any Transport) throws(ChannelSetupError) -> any DeliveryChannel {
        switch config.type {
        case .webhook:
            do { return try WebhookChannel(config: config, transport: transport) } catch {
                throw ChannelSetupError(channel: config.name, message: "\(error) (the value is not shown)")
            }
        case .email:
            return EmailChannel(config: config, transport: transport)
        case .slack, .mattermost, .discord, .teams, .googlechat:
            guard let provider = chatProvider(config.type) else {
                throw ChannelSetupError(channel: config.name, message: "no provider for type \(config.type.rawValue)")
            }
            return ChatChannel(provider: provider, config: config, transport: transport)
        }
    }

    /// Makes a rendered chat payload fit its provider's limits (webhooks and email as they are).
    public static func fit(_ payload: JSONValue, kind: ChannelType) -> JSONValue {
        chatProvider(kind)?.fit(payload) ?? payload
    }

    /// The content types the providers' templates name, for the template engine to register.
    public static var contentTypes: [(name: String, type: any MustacheContentType)] { chat.compactMap { $0.contentType } }
}
