import Foundation
import Mustache
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

/// A chat provider, everything about it in its own folder (`Slack/`, `Discord/`, ...): its kind
/// in the configuration, its message format (the limits a rendered payload is made to fit), the
/// escaping its templates name, where to post and how its answers read. `Channels.chat` lists
/// each once.
public protocol ChatProvider: Sendable {
    /// The `type:` of its channels in the configuration.
    static var kind: ChannelType { get }
    /// Visibly truncates what exceeds the provider's limits, so the provider never rejects a
    /// message for its size. Pure; applied when a delivery is queued.
    static func fit(_ payload: JSONValue) -> JSONValue
    /// The message sent when no template applies or a template failed: plain and always valid.
    static func plain(_ text: String) -> JSONValue
    /// Where to post, from the configured URL.
    static func url(_ configured: String) -> String
    /// The provider's answer: delivered, retry (with its wait), dead, or disable the channel.
    static func classify(_ response: HTTPResponse) -> DeliveryOutcome
    /// The Mustache content type its templates name (`{{%CONTENT_TYPE:SLACK_JSON}}`), if any.
    static var contentType: (name: String, type: any MustacheContentType)? { get }
}

extension ChatProvider {
    public static func url(_ configured: String) -> String { configured }
    public static var contentType: (name: String, type: any MustacheContentType)? { nil }
}
