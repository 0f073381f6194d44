import Foundation

/// A channel's `concurrency` and `rate_limit`, for a store that holds them across every
/// dispatcher sharing it (`Outbox.sharesChannelLimits`): at most `concurrency` of the channel's
/// deliveries are claimed at once, and at most `rateCount` per `ratePer` seconds, counting every
/// replica's claims together.
public struct ChannelLimits: Sendable, Equatable {
    public var concurrency: Int
    public var rateCount: Int?
    public var ratePer: TimeInterval?

    public init(concurrency: Int, rateCount: Int? = nil, ratePer: TimeInterval? = nil) {
        self.concurrency = concurrency
        self.rateCount = rateCount
        self.ratePer = ratePer
    }
}
