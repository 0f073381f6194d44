import Foundation
import PostgresNIO
import TamwatchStore

/// What one channel allows in one claim, across every replica: free slots under its
/// concurrency, tokens of its rate limit, or nothing while it is paused.
struct ChannelGate: Sendable {
    /// How many of the channel's deliveries may be claimed now.
    var room: Int
    /// While the channel is paused: when the pause ends (the database's clock).
    var pausedUntil: Double?
    /// With a rate limit: its tokens now, and how many come per second.
    var tokens: Double?
    var rate: Double?

    static let open = ChannelGate(room: .max)

    /// When the channel can send again after `spent` claims: the end of its pause, or its next
    /// token; nil when it is open now or waits only for a slot (which a finished attempt frees).
    func openAt(now: Double, spent: Int) -> Double? {
        if let pausedUntil { return pausedUntil }
        guard let tokens, let rate else { return nil }
        let left = tokens - Double(spent)
        return left < 1 ? now + (1 - left) / rate : nil
    }
}

extension PostgresStore {
    /// Reads, under the channel's row lock (so replicas take its slots and tokens one at a
    /// time), how many of its deliveries may be claimed now, in one statement.
    static func gate(_ channel: String, _ limits: ChannelLimits, now t: Double, _ db: Statements) async throws -> ChannelGate {
        let capacity = Double(limits.rateCount ?? 0)
        // Slots: claims live on any replica (each being sent, or about to be) count.
        guard
            let row = try await db.rows(
                """
                INSERT INTO channel_limits (channel, tokens, refilled_at) VALUES (\(channel), \(capacity), \(t))
                ON CONFLICT (channel) DO UPDATE SET channel = excluded.channel
                RETURNING tokens, refilled_at, paused_until,
                    (SELECT COUNT(*) FROM deliveries
                     WHERE status = 'pending' AND channel = \(channel) AND claim_owner IS NOT NULL AND claim_until > \(t))
                """
            ).first
        else { return ChannelGate(room: 0) }
        let (stored, refilledAt, pausedUntil, live) = try row.decode((Double, Double, Double?, Int).self)
        if let pausedUntil, pausedUntil > t { return ChannelGate(room: 0, pausedUntil: pausedUntil) }
        var gate = ChannelGate(room: max(0, limits.concurrency - live))
        if let count = limits.rateCount, let per = limits.ratePer, count > 0 {
            let rate = Double(count) / max(per, 0.001)
            let tokens = min(capacity, stored + max(0, t - refilledAt) * rate)
            gate.room = min(gate.room, Int(tokens.rounded(.down)))
            gate.tokens = tokens
            gate.rate = rate
        }
        return gate
    }

    /// With a rate limit: stores the tokens left once each delivery claimed took one. The refill
    /// time never goes back: a replica whose turn began before another's (and waited for the
    /// row) must not make the next one refill that interval twice.
    static func spend(_ channel: String, _ gate: ChannelGate, _ claimed: Int, now t: Double, _ db: Statements) async throws {
        guard let tokens = gate.tokens else { return }
        try await db.rows(
            "UPDATE channel_limits SET tokens = \(tokens - Double(claimed)), refilled_at = GREATEST(refilled_at, \(t)) WHERE channel = \(channel)"
        )
    }

    /// Pauses the channel for every replica until `until` (never shortening a longer pause).
    static func pause(_ channel: String, until: Double, _ db: Statements) async throws {
        try await db.rows(
            """
            INSERT INTO channel_limits (channel, tokens, refilled_at, paused_until) VALUES (\(channel), 0, \(until), \(until))
            ON CONFLICT (channel) DO UPDATE SET paused_until = GREATEST(COALESCE(channel_limits.paused_until, 0), excluded.paused_until)
            """)
    }
}
