import Foundation
import TamwatchStore

/// Replaying deliveries: the one rule for `tamwatch replay` and `POST
/// /api/v1/deliveries/{id}/replay`. Each is queued again from the start of its retry schedule,
/// under the same `webhook-id`. A replay is a person saying the receiver is ready again, so a
/// channel that was disabled (a 410 Gone, say) is enabled again for it; otherwise the dispatcher
/// would dead-letter the replay at once. A delivery whose channel is no longer configured cannot
/// be sent (its URL and secret are gone) and is refused.
public enum Replay {
    public struct NotConfigured: Error, Equatable, CustomStringConvertible {
        public var channels: [String]
        public var description: String {
            "channel \(channels.joined(separator: ", ")) is not in the configuration; replay needs the channel's URL and secret"
        }
    }

    /// Queues `deliveries` again; returns the ids queued (one being sent right now, by this or
    /// another process, is left to that send).
    public static func queue(
        _ deliveries: [StoredDelivery], configured: Set<String>, store: any Outbox, at now: Date, batch: String? = nil,
        dispatcher: Dispatcher? = nil
    ) async throws -> [String] {
        let channels = Set(deliveries.map(\.delivery.channel))
        let missing = channels.subtracting(configured)
        guard missing.isEmpty else { throw NotConfigured(channels: missing.sorted()) }
        try await store.enable(channels: channels.sorted())
        // A running dispatcher remembers which channels are disabled: it is told first.
        dispatcher?.enabled(channels: channels.sorted())
        return try await store.requeue(ids: deliveries.map(\.id), at: now, batch: batch)
    }

    /// Why a named delivery could not be chosen.
    public struct NoMatch: Error, Equatable, CustomStringConvertible {
        public var prefix: String
        /// More than one delivery has this prefix (else none has).
        public var ambiguous: Bool
        public var description: String {
            "\(ambiguous ? "more than one delivery" : "no delivery") matches '\(prefix)' (see tamwatch deliveries)"
        }
    }

    /// The deliveries a replay names: each id (any unique prefix of one), or every dead or
    /// pending one (of a job, of a channel), oldest first.
    public static func select(
        ids: [String], dead: Bool, pending: Bool, jobId: String?, channel: String?, store: any Outbox
    ) async throws -> [StoredDelivery] {
        var chosen: [StoredDelivery] = []
        for id in ids {
            let found = try await store.deliveries(idPrefix: id)
            guard found.count == 1, let d = found.first else { throw NoMatch(prefix: id, ambiguous: !found.isEmpty) }
            chosen.append(d)
        }
        if dead { chosen += try await store.deliveries(status: .dead, jobId: jobId, channel: channel, limit: Int.max) }
        if pending { chosen += try await store.deliveries(status: .pending, jobId: jobId, channel: channel, limit: Int.max) }
        return chosen
    }
}
