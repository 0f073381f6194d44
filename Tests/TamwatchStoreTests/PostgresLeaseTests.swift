import Foundation
import Logging
import Testing

@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchPostgres
@testable import TamwatchStore
@testable import TamwatchTesting

/// Shared watches on PostgreSQL: two stores on one database stand for two replicas.
@Suite("PostgreSQL: watch leases and fenced commits", .timeLimit(.minutes(5)))
struct PostgresLeaseTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func replicas(_ n: Int) async throws -> [PostgresStore] {
        let url = try PostgresServer.database()
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .critical
        var stores: [PostgresStore] = []
        for _ in 0..<n { stores.append(try await PostgresStore(location: PostgresLocation(url: url), logger: logger)) }
        return stores
    }

    static func register(_ store: PostgresStore, _ count: Int) async throws -> [String] {
        var ids: [String] = []
        for i in 0..<count {
            let id = "job-\(i)"
            _ = try await store.register(jobId: id, labels: ["n": "\(i)"], maxCredits: i == 0 ? 500 : nil, guardAction: nil, at: t0)
            ids.append(id)
        }
        return ids
    }

    /// One event for the job, as a poll would commit it.
    static func commit(_ store: PostgresStore, _ jobId: String, sequence: Int) async throws -> [Event] {
        var state = WatchState(lastProgressAt: t0)
        state.sequence = sequence
        let event = Event(
            id: Event.makeID(jobId: jobId, type: .progress, key: "p\(sequence)"), type: .progress, jobId: jobId, sequence: sequence,
            occurredAt: t0, data: .object([("processed", .int(Int64(sequence)))]), job: .null, labels: [:])
        return try await store.commit(
            jobId: jobId, state: state, labels: [:], events: [event], deliveries: [], flushed: [], throttle: nil, at: t0)
    }

    @Test(
        "each active watch goes to one replica; past its lease another takes it at a new epoch, and the old one's commit is refused, storing nothing"
    )
    func takeoverFencesTheOldOwner() async throws {
        let stores = try await Self.replicas(2)
        let (a, b) = (stores[0], stores[1])
        defer { stores.forEach { $0.close() } }
        let ids = try await Self.register(a, 5)

        // A lease that ran out a second before it began (on the database's clock): past at once,
        // as if a had been paused that long, with no waiting in the test.
        let first = try await a.acquireWatches(owner: "a", limit: 10, ttl: -1, jobId: nil)
        #expect(first.map(\.jobId).sorted() == ids && first.allSatisfy { $0.epoch == 1 })
        #expect(first.first { $0.jobId == "job-0" }?.maxCredits == 500 && first.first { $0.jobId == "job-3" }?.labels == ["n": "3"])
        #expect(try await Self.commit(a, "job-1", sequence: 1).count == 1, "the holder commits")

        let second = try await b.acquireWatches(owner: "b", limit: 10, ttl: 60, jobId: nil)
        #expect(second.map(\.jobId).sorted() == ids && second.allSatisfy { $0.epoch == 2 })
        await #expect(throws: StoreError.self) { try await Self.commit(a, "job-1", sequence: 2) }
        do {
            _ = try await Self.commit(a, "job-2", sequence: 1)
            Issue.record("a commit at a lost epoch was taken")
        } catch let error as StoreError {
            #expect(error.kind == .fenced && error.message.contains("another replica holds"), "\(error)")
        }
        #expect(try await b.events(jobId: "job-2").isEmpty, "the refused commit stored nothing")
        #expect(try await b.events(jobId: "job-1").map(\.sequence) == [1])
        #expect(try await Self.commit(b, "job-1", sequence: 2).count == 1, "the new holder carries on from the stored state")

        #expect(try await a.renewWatches(owner: "a", held: first, ttl: 60).isEmpty, "a renewal tells a what it lost")
        await #expect(throws: StoreError.self, "a poll still in flight once the loss is known is refused too") {
            try await Self.commit(a, "job-4", sequence: 1)
        }
        #expect(try await b.renewWatches(owner: "b", held: second, ttl: 60) == Set(ids))
        #expect(try await a.acquireWatches(owner: "a", limit: 10, ttl: 60, jobId: nil).isEmpty, "none while b's leases live")
        _ = try await a.register(jobId: "job-new", labels: [:], maxCredits: nil, guardAction: nil, at: Self.t0)
        await #expect(throws: StoreError.self, "a replica commits only for watches it took") {
            try await Self.commit(a, "job-new", sequence: 1)
        }
        _ = try await a.stopWatch(jobId: "job-new", at: Self.t0)

        // A graceful stop hands the watches over at once.
        #expect(try await b.releaseWatches(owner: "b", jobIds: nil) == 5)
        let third = try await a.acquireWatches(owner: "a", limit: 10, ttl: 60, jobId: nil)
        #expect(third.count == 5 && third.allSatisfy { $0.epoch == 3 })
        #expect(try await Self.commit(a, "job-3", sequence: 1).count == 1)

        // A watch stopped through any replica is not renewed: its holder stops polling it.
        _ = try await b.stopWatch(jobId: "job-4", at: Self.t0)
        #expect(try await a.renewWatches(owner: "a", held: third, ttl: 60) == Set(ids).subtracting(["job-4"]))
    }

    @Test("replicas acquiring at once get disjoint watches; one watch by id; stopped watches are nobody's; the census counts live replicas")
    func raceAndCensus() async throws {
        let stores = try await Self.replicas(3)
        defer { stores.forEach { $0.close() } }
        let ids = try await Self.register(stores[0], 9)
        _ = try await stores[0].stopWatch(jobId: "job-8", at: Self.t0)

        async let x = stores[0].acquireWatches(owner: "a", limit: 3, ttl: 60, jobId: nil)
        async let y = stores[1].acquireWatches(owner: "b", limit: 3, ttl: 60, jobId: nil)
        async let z = stores[2].acquireWatches(owner: "c", limit: 3, ttl: 60, jobId: "job-7")
        let (ax, by, cz) = try await (x, y, z)
        let all = (ax + by + cz).map(\.jobId)
        #expect(Set(all).count == all.count, "no watch held twice: \(all)")
        #expect(cz.map(\.jobId) == ["job-7"] || cz.isEmpty)
        #expect(!all.contains("job-8"), "a stopped watch is not polled")
        let rest = try await stores[2].acquireWatches(owner: "c", limit: 10, ttl: 60, jobId: nil)
        #expect(Set(all + rest.map(\.jobId)) == Set(ids.dropLast()))

        for (i, owner) in ["a", "b", "c"].enumerated() {
            let census = try await stores[i].leaseCensus(owner: owner, within: 60)
            #expect(census == LeaseCensus(activeWatches: 8, liveOwners: i + 1, unheldWatches: 0))
        }
        // A stopping replica gives its watches back and leaves the census at once.
        let given = try await stores[0].releaseWatches(owner: "a", jobIds: nil)
        #expect(
            try await stores[1].leaseCensus(owner: "b", within: 60) == LeaseCensus(activeWatches: 8, liveOwners: 2, unheldWatches: given))
    }

    @Test("a transaction past its time: the call fails at once with how long it waited, its connection is closed, the next one works")
    func transactionPastItsTime() async throws {
        let store = try await Self.replicas(1)[0]
        defer { store.close() }
        let began = ContinuousClock.now
        // The server answers in 5 s; the caller waits 300 ms.
        let error = await #expect(throws: StoreError.self) {
            try await store.transaction(within: .milliseconds(300)) { db in try await db.rows("SELECT pg_sleep(5)") }
        }
        #expect(ContinuousClock.now - began < .seconds(4), "it did not wait for the server's answer")
        #expect(error?.message == "PostgreSQL did not answer within 300ms; its connection was closed", "\(error?.message ?? "")")
        #expect(try await store.schemaVersion() > 0, "the pool hands out a connection that works")
    }
}
