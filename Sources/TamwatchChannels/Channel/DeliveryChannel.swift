import Foundation
import TamwatchConfig
import TamwatchModel

/// A delivery target: turns a queued message into a transfer and classifies the answer.
public protocol DeliveryChannel: Sendable {
    var config: ChannelConfig { get }
    /// One attempt; `now` is this attempt's time (webhook signatures carry it).
    func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome
}
