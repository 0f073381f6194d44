import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel
import TamwatchSigning

/// `type: webhook`: POST of the event (or a rule's template) with Standard Webhooks headers.
/// `webhook-id` is the event id (the same on every retry); `webhook-timestamp` is this attempt's.
public struct WebhookChannel: DeliveryChannel {
    public let config: ChannelConfig
    let transport: any Transport
    let signer: StandardWebhookSigner?
    let classifier: HTTPStatusClassifier

    public init(config: ChannelConfig, transport: any Transport) throws(StandardWebhookSigner.SecretError) {
        self.config = config
        self.transport = transport
        signer = config.secrets.isEmpty ? nil : try StandardWebhookSigner(secrets: config.secrets)
        classifier = HTTPStatusClassifier(retryable4xx: config.retryStatuses)
    }

    /// The exact request an attempt sends (tests and `render` look at it).
    public func request(for delivery: Delivery, now: Date) -> HTTPRequest {
        let body = Array(delivery.message.body.utf8)
        let timestamp = Int(now.timeIntervalSince1970)
        var headers = [HTTPHeader("content-type", delivery.message.contentType)]
        if let signer {
            headers += signer.headers(id: delivery.eventId, timestamp: timestamp, body: body)
        } else {
            headers += [HTTPHeader("webhook-id", delivery.eventId), HTTPHeader("webhook-timestamp", String(timestamp))]
        }
        if delivery.folded > 0 { headers.append(HTTPHeader("tamwatch-folded", String(delivery.folded))) }
        headers += config.headers
        return config.request(headers: headers, body: body)
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
