import Foundation

/// The deliveries the rules queued, how their attempts went, and the channels that asked for
/// no more. The dispatcher, `deliveries` and `replay` work through it.
///
/// A delivery is claimed before it is sent, under a lease that expires, so two dispatchers on
/// one store never send it at once and one that died leaves nothing stuck; an attempt is
/// recorded only by the claim that made it.
public protocol Outbox: Sendable {
    /// The dispatcher's turn, all at once: records finished attempts, dead-letters what
    /// disabled channels still have queued, renews the claims in `renew`, then claims up to each
    /// channel's limit of due deliveries under `lease`, oldest first (with `batch`, among that
    /// replay's alone). A row that cannot be read is dead-lettered with the reason, never left
    /// to fall due forever. A store that `sharesChannelLimits` also holds each channel in `limits`
    /// to them across every dispatcher, and to the pauses their attempts asked for. For a
    /// channel in `ordered`, only each job's first pending delivery can be claimed: the next
    /// once that one is sent or dead (one in flight per job and channel, in the order queued).
    func exchange(
        records: [AttemptRecord], claims: [(channel: String, limit: Int)],
        deadLetter: [(channel: String, reason: String)], renew: [String], now: Date,
        lease: ClaimLease, batch: String?, limits: [String: ChannelLimits], ordered: Set<String>
    ) async throws(StoreError) -> OutboxExchange

    /// True when several dispatchers (replicas) share this store: channels' concurrency, rate
    /// limits and pauses (`AttemptRecord.pause`) are kept in it, for all of them together. False
    /// when one dispatcher writes it: that one applies them itself.
    var sharesChannelLimits: Bool { get }

    /// Records attempts made under `owner`'s claims and drops the claims. An attempt whose
    /// claim another dispatcher has since taken over is not recorded: that one finishes it.
    func record(_ attempts: [AttemptRecord], owner: String) async throws(StoreError)

    /// Gives back every claim, live or not; returns how many. Only for a dispatcher that is
    /// the store's one writer: any claim then is left by one that died.
    func releaseAllClaims() async throws(StoreError) -> Int

    /// Drops this owner's claims without recording an attempt (it is stopping mid-send).
    func releaseClaims(ids: [String], owner: String) async throws(StoreError)

    func disabledChannels() async throws(StoreError) -> [String: DisabledChannel]

    /// Disables a channel and dead-letters what it still has queued; returns how many.
    func disable(_ channel: DisabledChannel) async throws(StoreError) -> Int

    func enable(channels: [String]) async throws(StoreError)

    /// The oldest deliveries first, filtered by any of status, job and channel (what a replay
    /// selects; a listing pages through `DeliveryLog.deliveryPage`, newest first).
    func deliveries(status: StoredDelivery.Status?, jobId: String?, channel: String?, limit: Int) async throws(StoreError)
        -> [StoredDelivery]

    /// Deliveries whose id starts with `prefix` (at most two: enough to tell ambiguity).
    func deliveries(idPrefix prefix: String) async throws(StoreError) -> [StoredDelivery]

    /// Queues deliveries again from the start of their retry schedule, due `now`, as one
    /// `batch`; returns the ids queued. One being sent right now (a live claim) is left alone.
    func requeue(ids: [String], at now: Date, batch: String?) async throws(StoreError) -> [String]

    /// The deliveries of a replay batch, in the order they were first queued.
    func deliveries(batch: String) async throws(StoreError) -> [StoredDelivery]

    /// How many deliveries of these jobs (or of this replay batch) are still pending on the
    /// given channels, and the earliest time one of them is due. With `countAll` false the
    /// count is 0 or 1 (enough to know whether to wait), which stays cheap for a large outbox.
    func pending(jobIds: [String]?, batch: String?, channels: [String], countAll: Bool) async throws(StoreError) -> PendingSummary
}

extension Outbox {
    public var sharesChannelLimits: Bool { false }
}

extension Outbox {
    /// A turn with no ordered channel.
    public func exchange(
        records: [AttemptRecord], claims: [(channel: String, limit: Int)],
        deadLetter: [(channel: String, reason: String)], renew: [String], now: Date,
        lease: ClaimLease, batch: String?, limits: [String: ChannelLimits]
    ) async throws(StoreError) -> OutboxExchange {
        try await exchange(
            records: records, claims: claims, deadLetter: deadLetter, renew: renew, now: now, lease: lease, batch: batch,
            limits: limits, ordered: [])
    }
}
