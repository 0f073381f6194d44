import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchPostgres
@testable import TamwatchStore
@testable import TamwatchTesting

/// Channels' limits held by the database across replicas: two stores on one database stand for
/// two replicas, each claiming for its own dispatcher.
@Suite("PostgreSQL: channel limits across replicas", .timeLimit(.minutes(5)))
struct PostgresChannelLimitTests {
    static let t0 = StoreConformanceTests.t0

    func claim(
        _ store: PostgresStore, _ owner: String, at seconds: Double, _ limits: ChannelLimits, records: [AttemptRecord] = []
    ) async throws -> (ids: [String], nextDue: Date?) {
        let turn = try await store.exchange(
            records: records, claims: [("hook", 10)], deadLetter: [], renew: [], now: Self.t0.addingTimeInterval(seconds),
            lease: ClaimLease(owner: owner, duration: 60), batch: nil, limits: ["hook": limits])
        return (turn.claimed["hook"]?.map(\.id) ?? [], turn.nextDue)
    }

    static func setUp(deliveries: Int) async throws -> (PostgresStore, PostgresStore) {
        let stores = try await PostgresLeaseTests.replicas(2)
        let conformance = StoreConformanceTests()
        try await conformance.queue(stores[0], (1...deliveries).map { conformance.delivery($0) })
        return (stores[0], stores[1])
    }

    @Test("concurrency counts every replica's claims; one waiting only for a slot is not told to look again soon")
    func concurrency() async throws {
        let (a, b) = try await Self.setUp(deliveries: 6)
        defer { [a, b].forEach { $0.close() } }
        let two = ChannelLimits(concurrency: 2)
        #expect(try await claim(a, "a", at: 0, two).ids == ["dlv_hook_1", "dlv_hook_2"])
        let full = try await claim(b, "b", at: 0, two)
        #expect(full.ids.isEmpty && full.nextDue == nil)
        // a's attempt frees a slot, for whichever replica claims next.
        let sent = AttemptRecord(id: "dlv_hook_1", result: .sent, at: Self.t0, failures: 0)
        #expect(try await claim(a, "a", at: 1, ChannelLimits(concurrency: 0), records: [sent]).ids.isEmpty)
        #expect(try await claim(b, "b", at: 1, two).ids == ["dlv_hook_3"])
        // Past their leases, claims hold no slot: theirs are taken back first (the oldest).
        #expect(try await claim(b, "b", at: 62, two).ids == ["dlv_hook_2", "dlv_hook_3"])
    }

    @Test("the rate limit's tokens are shared: spent by one replica, the other waits for the next one")
    func rateLimit() async throws {
        let (a, b) = try await Self.setUp(deliveries: 8)
        defer { [a, b].forEach { $0.close() } }
        let limits = ChannelLimits(concurrency: 10, rateCount: 3, ratePer: 10)
        #expect(try await claim(a, "a", at: 0, limits).ids.count == 3)
        let none = try await claim(b, "b", at: 0, limits)
        #expect(none.ids.isEmpty)
        // One token comes every 10/3 s.
        let due = try #require(none.nextDue).timeIntervalSince(Self.t0)
        #expect(abs(due - 10.0 / 3) < 0.01, "next token in \(due) s")
        #expect(try await claim(b, "b", at: 3.4, limits).ids == ["dlv_hook_4"])
        #expect(try await claim(a, "a", at: 3.5, limits).ids.isEmpty)
        #expect(try await claim(a, "a", at: 10.1, limits).ids.count == 2)
    }

    @Test("a pause asked of one replica (429 with Retry-After) holds every replica until it ends")
    func pause() async throws {
        let (a, b) = try await Self.setUp(deliveries: 3)
        defer { [a, b].forEach { $0.close() } }
        let limits = ChannelLimits(concurrency: 1)
        #expect(try await claim(a, "a", at: 0, limits).ids == ["dlv_hook_1"])
        var slowDown = AttemptRecord(
            id: "dlv_hook_1", result: .retry(at: Self.t0.addingTimeInterval(120)), at: Self.t0, failures: 1, httpStatus: 429)
        slowDown.pause = 60
        try await a.record([slowDown], owner: "a")
        let paused = try await claim(b, "b", at: 1, limits)
        #expect(paused.ids.isEmpty && paused.nextDue == Self.t0.addingTimeInterval(60))
        #expect(try await claim(b, "b", at: 60.5, limits).ids == ["dlv_hook_2"])
    }
}
