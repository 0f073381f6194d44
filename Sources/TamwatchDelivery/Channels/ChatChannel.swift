import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

/// A chat incoming webhook: POST of the rendered JSON, classified by the provider's rules.
public struct ChatChannel<Provider: ChatProvider>: DeliveryChannel {
    public let config: ChannelConfig
    let transport: any Transport

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        let request = config.request(
            url: Provider.url(config.url), headers: [HTTPHeader("content-type", "application/json")],
            body: Array(delivery.message.body.utf8))
        do {
            let response = try await transport.send(request)
            return AttemptOutcome(Provider.classify(response), httpStatus: response.status, answer: AttemptOutcome.excerpt(response))
        } catch {
            return AttemptOutcome(HTTPStatusClassifier().classify(error))
        }
    }
}
