import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchStore
@testable import TamwatchWatch

/// The watcher's scheduling decisions on their own: no polls, no clock, no tasks.
@Suite("Watch schedule (pure)", .timeLimit(.minutes(5)))
struct WatchScheduleTests {
    func job(_ id: String, dueAt seconds: Int64) -> JobWatch {
        JobWatch(jobId: id, state: nil, throttle: ThrottleState(), labels: [:], pollAt: .seconds(seconds))
    }

    /// What `next` starts now, as "begin a" / "turn a".
    func starts(_ schedule: inout WatchSchedule, dueBy seconds: Int64) -> [String] {
        var out: [String] = []
        while let start = schedule.next(dueBy: .seconds(seconds)) {
            switch start {
            case .begin(let r): out.append("begin \(r.jobId)")
            case .turn(let j): out.append("turn \(j.jobId)")
            }
        }
        return out
    }

    @Test("new watches start first, within the cap; a waiting job starts once due, earliest first")
    func order() {
        var s = WatchSchedule(initial: ["a", "b", "c"].map { WatchRequest(jobId: $0) }, maxConcurrent: 2, open: false)
        #expect(starts(&s, dueBy: 0) == ["begin a", "begin b"], "the cap holds the third back")
        s.finished(.next(job("a", dueAt: 20)))
        #expect(starts(&s, dueBy: 0) == ["begin c"], "a new watch before a waiting one")
        s.finished(.next(job("b", dueAt: 10)))
        s.finished(.next(job("c", dueAt: 30)))
        #expect(s.nextDue == .seconds(10))
        #expect(starts(&s, dueBy: 15) == ["turn b"], "only what is due")
        #expect(starts(&s, dueBy: 40) == ["turn a"], "then the cap again: c waits")
        #expect(s.running == 2 && s.nextDue == nil, "at the cap nothing is due")
    }

    @Test("a closed schedule is done once every watch ended; outcomes and failures come out in order")
    func done() {
        var s = WatchSchedule(initial: [WatchRequest(jobId: "a"), WatchRequest(jobId: "b")], maxConcurrent: 8, open: false)
        _ = starts(&s, dueBy: 0)
        #expect(!s.isDone)
        s.finished(.done(jobId: "a", .completed))
        s.finished(.failed(jobId: "b", StoreError(path: "state.sqlite", message: "disk full")))
        #expect(s.isDone && s.hasEnded)
        let ended = s.takeEnded()
        #expect(ended.map(\.jobId) == ["a", "b"])
        #expect((try? ended[0].result.get()) == .completed)
        #expect(!s.hasEnded, "taken once")
    }

    @Test("an open schedule takes watches while it runs; a stop ends a waiting or starting job as interrupted")
    func stops() {
        var s = WatchSchedule(initial: [], maxConcurrent: 8, open: true)
        #expect(!s.isDone, "open: never done by itself")
        s.take([.add(WatchRequest(jobId: "a")), .add(WatchRequest(jobId: "b")), .add(WatchRequest(jobId: "a")), .stop("nobody")])
        #expect(starts(&s, dueBy: 0) == ["begin a", "begin b"], "a job added twice starts once")
        s.finished(.next(job("a", dueAt: 5)))
        // Registered then stopped before the loop looked: in that order, c never starts.
        s.take([.add(WatchRequest(jobId: "c")), .stop("a"), .stop("c")])
        #expect(starts(&s, dueBy: 10) == [], "a and c were stopped before they started")
        #expect(s.takeEnded().map { "\($0.jobId) \((try? $0.result.get()).map { "\($0)" } ?? "?")" } == ["c interrupted", "a interrupted"])
        // b is polling when it is stopped: its poll comes back, and it ends there.
        s.take([.stop("b")])
        s.finished(.next(job("b", dueAt: 5)))
        #expect(s.takeEnded().map(\.jobId) == ["b"] && s.running == 0)
        // Stopped, then added again before the loop looked: the watch carries on, once.
        s.take([.add(WatchRequest(jobId: "d"))])
        _ = starts(&s, dueBy: 0)
        s.finished(.next(job("d", dueAt: 1)))
        s.take([.stop("d"), .add(WatchRequest(jobId: "d"))])
        #expect(starts(&s, dueBy: 1) == ["turn d"] && !s.hasEnded)
        // Added again, then stopped: the last word is the stop.
        s.finished(.next(job("d", dueAt: 2)))
        s.take([.add(WatchRequest(jobId: "d")), .stop("d")])
        #expect(starts(&s, dueBy: 2) == [] && s.takeEnded().map(\.jobId) == ["d"])
    }
}
