import Foundation
import Logging
import Synchronization
import TamwatchModel
import TamwatchStore
import TamwatchWatch

/// The watches this replica holds when several `serve` replicas share one store: it polls
/// those and no others. The lease keeper fills it to this replica's fair share and renews it;
/// a watch whose lease another replica took is stopped here at once (and its commits are
/// refused by the store in any case).
public final class SharedWatches: Sendable {
    public let leases: any WatchLeases
    public let owner: String
    public let ttl: Duration
    public let sweep: Duration
    private let held = Mutex<[String: HeldWatch]>([:])
    /// This replica's fair share at the last turn (before the first: no limit).
    private let share = Mutex<Int>(.max)
    /// Wakes the keeper before its next turn is due (another replica gave watches back).
    public let wakeUp = WakeSignal()
    /// When the leases held were last renewed (an uptime: when that turn began).
    private let renewedAt = Mutex<Duration?>(nil)

    public init(leases: any WatchLeases, owner: String, ttl: Duration, sweep: Duration) {
        self.leases = leases
        self.owner = owner
        self.ttl = ttl
        self.sweep = sweep
    }

    public var count: Int { held.withLock { $0.count } }

    /// Tries to take one watch now (just registered through this replica's API), if this
    /// replica is not past its share with it; else another takes it at its next turn.
    public func take(_ jobId: String) async throws(StoreError) -> HeldWatch? {
        guard count <= share.withLock({ $0 }) else { return nil }
        let got = try await leases.acquireWatches(owner: owner, limit: 1, ttl: ttl.seconds, jobId: jobId).first
        if let got { held.withLock { $0[got.jobId] = got } }
        return got
    }

    /// The watch ended here (finished, stopped, or taken over): no longer renewed.
    public func drop(_ jobId: String) { _ = held.withLock { $0.removeValue(forKey: jobId) } }

    /// One turn of the keeper: renews what is held (`lost`: taken over), then evens out: takes
    /// free watches up to the fair share (`gained`), or gives back what is past it (`shed`: stop
    /// polling those first; the keeper then calls `giveBack`).
    /// `now` is the uptime the turn begins at.
    public func turn(now: Duration) async throws(StoreError) -> (gained: [HeldWatch], lost: [String], shed: [String], census: LeaseCensus) {
        let mine = held.withLock { Array($0.values) }
        let kept = try await leases.renewWatches(owner: owner, held: mine, ttl: ttl.seconds)
        renewedAt.withLock { $0 = now }
        let lost = mine.map(\.jobId).filter { !kept.contains($0) }
        held.withLock { h in for id in lost { h[id] = nil } }
        // Renewed after the watchdog let them go (this turn was slow, not lost): held, and
        // polled, again.
        let regained = held.withLock { h -> [HeldWatch] in
            let back = mine.filter { kept.contains($0.jobId) && h[$0.jobId] == nil }
            for w in back { h[w.jobId] = w }
            return back
        }
        let census = try await leases.leaseCensus(owner: owner, within: ttl.seconds)
        let fair = LeaseBalance.fairShare(census)
        share.withLock { $0 = fair }
        switch LeaseBalance.step(held: held.withLock { Array($0.keys) }, fair: fair) {
        case .keep:
            return (regained, lost, [], census)
        case .shed(let shed):
            held.withLock { h in for id in shed { h[id] = nil } }
            return (regained.filter { !shed.contains($0.jobId) }, lost, shed, census)
        case .take(let room):
            let gained = try await leases.acquireWatches(owner: owner, limit: room, ttl: ttl.seconds, jobId: nil)
            held.withLock { h in for w in gained { h[w.jobId] = w } }
            return (regained + gained, lost, [], census)
        }
    }

    /// The local trust window: when the leases could not be renewed for nearly their whole
    /// time (the database unreachable from here), they are taken to be lost, a second before
    /// they run out: returns the watches to stop polling (their commits would be refused in any
    /// case). The next turn that reaches the database takes this replica's share again.
    public func lapsed(now: Duration) -> [String] {
        guard let last = renewedAt.withLock({ $0 }), now - last >= ttl - min(.seconds(1), ttl / 10) else { return [] }
        return held.withLock { h in
            defer { h.removeAll() }
            return h.keys.sorted()
        }
    }

    /// Hands watches this replica stopped polling to the others.
    public func giveBack(_ jobIds: [String]) async throws(StoreError) {
        guard !jobIds.isEmpty else { return }
        _ = try await leases.releaseWatches(owner: owner, jobIds: jobIds)
    }

    /// Gives every lease back (a graceful stop): the other replicas take them at their next turn.
    public func release() async throws(StoreError) -> Int {
        held.withLock { $0.removeAll() }
        return try await leases.releaseWatches(owner: owner, jobIds: nil)
    }
}
