import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchWatch

@Suite("The watcher's scheduler: its queue and its inbox", .timeLimit(.minutes(5)))
struct SchedulerTests {
    @Test("the wake queue gives jobs back earliest first, first come first served on ties, and only once due")
    func queueOrder() {
        var queue = WakeQueue()
        var generator = SystemRandomNumberGenerator()
        var expected: [(Duration, Int)] = []
        for job in 0..<2000 {
            let at = Duration.milliseconds(Int64.random(in: 0..<500, using: &generator))
            queue.insert(job, at: at)
            expected.append((at, job))
        }
        expected.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        #expect(queue.popDue(.milliseconds(-1)) == nil, "nothing is due before its time")
        var popped: [Int] = []
        while let job = queue.popDue(.milliseconds(499)) { popped.append(job) }
        #expect(popped == expected.map(\.1))
        #expect(queue.isEmpty && queue.next == nil)
    }

    func job(_ id: String, wakeAt: Duration) -> JobStep {
        .next(JobWatch(jobId: id, state: nil, throttle: ThrottleState(), labels: [:], pollAt: wakeAt))
    }

    @Test("a finished poll wakes the scheduler only when it must: no deadline, or due before it")
    func inboxWakes() {
        let inbox = StepInbox()
        #expect(inbox.arm(nil), "nothing waiting: sleep")
        #expect(inbox.put(job("a", wakeAt: .seconds(10))), "the scheduler waits with no deadline: wake it")
        #expect(inbox.arm(.seconds(5)), "a waiting step due after the deadline can wait for it")
        #expect(!inbox.arm(nil), "but not for a wait with no deadline")
        #expect(inbox.put(job("a2", wakeAt: .seconds(1))))
        #expect(!inbox.arm(.seconds(5)), "a waiting step due before the deadline: look at it before sleeping")
        #expect(inbox.take().count == 2)
        #expect(inbox.arm(.seconds(5)))
        #expect(!inbox.put(job("b", wakeAt: .seconds(15))), "due after the deadline: it waits for the deadline")
        #expect(!inbox.put(.done(jobId: "c", .completed)), "an end changes nothing before the deadline")
        #expect(inbox.put(job("d", wakeAt: .seconds(1))), "due before the deadline: wake now")
        #expect(inbox.take().count == 3)
    }
}
