import Foundation

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
        let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
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
    /// nil for a kind this version cannot send yet (email): its deliveries wait in the outbox.
    public static func make(_ config: ChannelConfig, transport: any HTTPTransport) throws(ChannelSetupError) -> (any DeliveryChannel)? {
        switch config.type {
        case .webhook:
            do { return try WebhookChannel(config: config, transport: transport) } catch {
                throw ChannelSetupError(channel: config.name, message: "\(error) (the value is not shown)")
            }
        case .email:
            return nil
        default:
            return ChatWebhookChannel(config: config, transport: transport)
        }
    }
}

/// `type: webhook`: POST of the event (or a rule's template) with Standard Webhooks headers.
/// `webhook-id` is the event id (the same on every retry); `webhook-timestamp` is this attempt's.
public struct WebhookChannel: DeliveryChannel {
    public let config: ChannelConfig
    let transport: any HTTPTransport
    let signer: StandardWebhookSigner?
    let classifier: HTTPStatusClassifier

    public init(config: ChannelConfig, transport: any HTTPTransport) throws(StandardWebhookSigner.SecretError) {
        self.config = config
        self.transport = transport
        signer = config.secrets.isEmpty ? nil : try StandardWebhookSigner(secrets: config.secrets)
        classifier = HTTPStatusClassifier(retryable4xx: config.retryStatuses)
    }

    /// The exact request an attempt sends (tests and `render` look at it).
    public func request(for delivery: Delivery, now: Date) -> HTTPRequest {
        let body = Array(delivery.message.body.utf8)
        let timestamp = Int(now.timeIntervalSince1970)
        var headers = [HTTPHeader("content-type", delivery.message.contentType),
                       HTTPHeader("user-agent", "tamwatch/\(TamwatchVersion.current)")]
        if let signer {
            headers += signer.headers(id: delivery.eventId, timestamp: timestamp, body: body)
        } else {
            headers += [HTTPHeader("webhook-id", delivery.eventId), HTTPHeader("webhook-timestamp", String(timestamp))]
        }
        if delivery.folded > 0 { headers.append(HTTPHeader("tamwatch-folded", String(delivery.folded))) }
        headers += config.headers
        return HTTPRequest(method: "POST", url: config.url, headers: headers, body: body,
                           connectTimeout: min(.seconds(10), config.effectiveTimeout), timeout: config.effectiveTimeout,
                           caFile: config.caFile)
    }

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        do {
            let response = try await transport.send(request(for: delivery, now: now))
            return AttemptOutcome(classifier.classify(response), httpStatus: response.status, answer: AttemptOutcome.excerpt(response))
        } catch {
            return AttemptOutcome(classifier.classify(error))
        }
    }
}

/// Chat webhooks (Slack, Mattermost, Discord, Teams, Google Chat): POST of the rendered JSON.
/// Provider-specific answers come with issue 4; until then the HTTP status classes apply.
public struct ChatWebhookChannel: DeliveryChannel {
    public let config: ChannelConfig
    let transport: any HTTPTransport

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        let request = HTTPRequest(method: "POST", url: config.url,
                                  headers: [HTTPHeader("content-type", delivery.message.contentType),
                                            HTTPHeader("user-agent", "tamwatch/\(TamwatchVersion.current)")],
                                  body: Array(delivery.message.body.utf8), timeout: config.effectiveTimeout, caFile: config.caFile)
        do {
            let response = try await transport.send(request)
            return AttemptOutcome(HTTPStatusClassifier().classify(response), httpStatus: response.status, answer: AttemptOutcome.excerpt(response))
        } catch {
            return AttemptOutcome(HTTPStatusClassifier().classify(error))
        }
    }
}
