import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

/// A chat incoming webhook: POST of the rendered JSON, classified by the provider's rules.
public struct ChatChannel: DeliveryChannel {
    public let provider: any ChatProvider.Type
    public let config: ChannelConfig
    let transport: any Transport

    public init(provider: any ChatProvider.Type, config: ChannelConfig, transport: any Transport) {
        self.provider = provider
        self.config = config
        self.transport = transport
    }

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        let request = config.request(
            url: provider.url(config.url), headers: [HTTPHeader("content-type", "application/json")],
            body: Array(delivery.message.body.utf8))
        do {
            let response = try await transport.send(request)
            return AttemptOutcome(provider.classify(response), httpStatus: response.status, answer: AttemptOutcome.excerpt(response))
        } catch {
            return AttemptOutcome(HTTPStatusClassifier().classify(error))
        }
    }
}
