import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel
import TamwatchRules

/// What one attempt came to, with the provider's status for the delivery log.
public struct AttemptOutcome: Sendable, Equatable {
    public var outcome: DeliveryOutcome
    public var httpStatus: Int?
    /// The start of the provider's answer (`ok`, `channel_not_found`, a JSON error), for people.
    public var answer: String?

    public init(_ outcome: DeliveryOutcome, httpStatus: Int? = nil, answer: String? = nil) {
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.answer = answer
    }

    /// The first 300 characters of a response body, on one line.
    public static func excerpt(_ response: HTTPResponse) -> String? {
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > 300 || response.truncated || response.body.count > 4096 ? String(line.prefix(300)) + "…" : line
    }
}

/// A delivery target: turns a queued message into a transfer and classifies the answer.
public protocol DeliveryChannel: Sendable {
    var config: ChannelConfig { get }
    /// One attempt; `now` is this attempt's time (webhook signatures carry it).
    func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome
}

public struct ChannelSetupError: Error, Sendable, CustomStringConvertible {
    public var channel: String
    public var message: String
    public var description: String { "channel \(channel): \(message)" }
}

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

extension ChannelConfig {
    /// A request to this channel with its timeout (connect at most 10 s) and CA file. The
    /// transport adds the User-Agent.
    /// Of the answer, the first 64 KiB are read (for the log and the classification); the rest
    /// is discarded as it arrives.
    func request(method: String = "POST", url: String? = nil, headers: [HTTPHeader] = [], body: [UInt8]? = nil) -> HTTPRequest {
        var request = HTTPRequest(method: method, url: url ?? self.url, headers: headers, body: body,
                                  connectTimeout: min(.seconds(10), effectiveTimeout), timeout: effectiveTimeout, caFile: caFile)
        request.responseLimit = .keep(firstBytes: ResponseLimit.answerDefault)
        return request
    }
}

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

/// A chat incoming webhook: POST of the rendered JSON, classified by the provider's rules.
public struct ChatChannel<Provider: ChatProvider>: DeliveryChannel {
    public let config: ChannelConfig
    let transport: any Transport

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        let request = config.request(url: Provider.url(config.url), headers: [HTTPHeader("content-type", "application/json")],
                                     body: Array(delivery.message.body.utf8))
        do {
            let response = try await transport.send(request)
            return AttemptOutcome(Provider.classify(response), httpStatus: response.status, answer: AttemptOutcome.excerpt(response))
        } catch {
            return AttemptOutcome(HTTPStatusClassifier().classify(error))
        }
    }
}
