import Foundation
import Synchronization
import Testing

@testable import TamwatchReplicas
@testable import TamwatchStore

/// A lease store that can be cut off: renewals fail while `reachable` is false.
final class FlakyLeases: WatchLeases {
    let reachable = Mutex(true)
    let free = Mutex(["job-a", "job-b", "job-c"])

    func check() throws(StoreError) {
        guard reachable.withLock({ $0 }) else { throw StoreError(path: "postgres://db", message: "connection refused") }
    }

    func acquireWatches(owner: String, limit: Int, ttl: TimeInterval, jobId: String?) async throws(StoreError) -> [HeldWatch] {
        try check()
        return free.withLock { f in
            let taken = f.prefix(limit)
            f.removeFirst(taken.count)
            return taken.map { HeldWatch(jobId: $0, epoch: 1) }
        }
    }

    func renewWatches(owner: String, held: [HeldWatch], ttl: TimeInterval) async throws(StoreError) -> Set<String> {
        try check()
        return Set(held.map(\.jobId))
    }

    func releaseWatches(owner: String, jobIds: [String]?) async throws(StoreError) -> Int { try check(); return 0 }

    func leaseCensus(owner: String, within: TimeInterval) async throws(StoreError) -> LeaseCensus {
        try check()
        return LeaseCensus(activeWatches: 3, liveOwners: 1, unheldWatches: free.withLock { $0.count })
    }
}

@Suite("serve: shared watches", .timeLimit(.minutes(5)))
struct SharedWatchesTests {
    @Test(
        "the local trust window: leases not renewed for nearly their time are let go, a second early; a turn that reaches the database takes them again"
    )
    func trustWindow() async throws {
        let leases = FlakyLeases()
        let shared = SharedWatches(leases: leases, owner: "me", ttl: .seconds(30), sweep: .seconds(5))
        let first = try await shared.turn(now: .seconds(100))
        #expect(first.gained.map(\.jobId) == ["job-a", "job-b", "job-c"] && first.census.unheldWatches == 3)
        leases.reachable.withLock { $0 = false }
        await #expect(throws: StoreError.self) { try await shared.turn(now: .seconds(105)) }
        #expect(shared.lapsed(now: .seconds(128.9)).isEmpty, "still within the lease (less a second)")
        #expect(shared.count == 3)
        #expect(shared.lapsed(now: .seconds(129)) == ["job-a", "job-b", "job-c"])
        #expect(shared.count == 0 && shared.lapsed(now: .seconds(140)).isEmpty)
        // Back: the same watches (freed by their leases running out) are taken again.
        leases.reachable.withLock { $0 = true }
        leases.free.withLock { $0 = ["job-a", "job-b", "job-c"] }
        #expect(try await shared.turn(now: .seconds(145)).gained.count == 3)
    }
}
