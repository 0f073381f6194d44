import Foundation
import TamwatchHTTP

/// How a chat provider is posted to and how its answers read; each lives in its own folder
/// beside this file (its message format, `ChatFormat`, is the templates' business).
public protocol ChatProvider: Sendable {
    /// Where to post, from the configured URL.
    static func url(_ configured: String) -> String
    /// The provider's answer: delivered, retry (with its wait), dead, or disable the channel.
    static func classify(_ response: HTTPResponse) -> DeliveryOutcome
}
extension ChatProvider {
    public static func url(_ configured: String) -> String { configured }
}
