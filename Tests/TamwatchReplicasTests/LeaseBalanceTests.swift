import Testing

@testable import TamwatchReplicas
@testable import TamwatchStore

@Suite("Lease balance (pure)", .timeLimit(.minutes(5)))
struct LeaseBalanceTests {
    func census(active: Int, live: Int) -> LeaseCensus { LeaseCensus(activeWatches: active, liveOwners: live, unheldWatches: 0) }

    @Test("the fair share is the active watches over the live replicas, rounded up; no replica counted counts this one")
    func fairShare() {
        #expect(LeaseBalance.fairShare(census(active: 10, live: 3)) == 4)
        #expect(LeaseBalance.fairShare(census(active: 9, live: 3)) == 3)
        #expect(LeaseBalance.fairShare(census(active: 1, live: 4)) == 1)
        #expect(LeaseBalance.fairShare(census(active: 0, live: 2)) == 0)
        #expect(LeaseBalance.fairShare(census(active: 5, live: 0)) == 5)
        // Every watch has a replica at these shares, and none holds two more than another.
        for active in 0...40 {
            for live in 1...7 {
                let fair = LeaseBalance.fairShare(census(active: active, live: live))
                #expect(fair * live >= active && (fair - 1) * live < max(active, 1))
            }
        }
    }

    @Test("under the share it takes the difference; past it, it sheds the first by job id; at it, it keeps")
    func step() {
        #expect(LeaseBalance.step(held: ["a"], fair: 3) == .take(2))
        #expect(LeaseBalance.step(held: [], fair: 1) == .take(1))
        #expect(LeaseBalance.step(held: ["c", "a", "b"], fair: 3) == .keep)
        #expect(LeaseBalance.step(held: ["d", "b", "c", "a"], fair: 2) == .shed(["a", "b"]))
        #expect(LeaseBalance.step(held: ["x"], fair: 0) == .shed(["x"]))
    }
}
