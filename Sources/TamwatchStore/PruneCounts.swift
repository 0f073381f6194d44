import Foundation

/// How many events, sent and dead deliveries were pruned (by one batch, or in all), and when
/// the store was last pruned.
public struct PruneCounts: Sendable, Equatable {
    public var events: Int
    public var sent: Int
    public var dead: Int
    public var watches: Int
    public var lastAt: Date?

    public init(events: Int = 0, sent: Int = 0, dead: Int = 0, watches: Int = 0, lastAt: Date? = nil) {
        self.events = events
        self.sent = sent
        self.dead = dead
        self.watches = watches
        self.lastAt = lastAt
    }

    public var total: Int { events + sent + dead + watches }

    public static func + (a: PruneCounts, b: PruneCounts) -> PruneCounts {
        PruneCounts(
            events: a.events + b.events, sent: a.sent + b.sent, dead: a.dead + b.dead, watches: a.watches + b.watches,
            lastAt: b.lastAt ?? a.lastAt)
    }
}
