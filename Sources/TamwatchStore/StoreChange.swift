/// What another process sharing the store changed, as it tells the others (a hint to look now;
/// each also looks on its own every so often, so a hint that is lost delays, never loses).
public enum StoreChange: String, Sendable, CaseIterable {
    /// Deliveries were queued, or an attempt freed a channel's slot.
    case outbox
    /// Events were stored (the event streams' feed).
    case feed
    /// Watches were given back (a replica stopping, or over its share): take them now.
    case release
}
