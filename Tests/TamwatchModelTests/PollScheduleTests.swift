import Testing

@testable import TamwatchModel
@testable import TamwatchWatch

@Suite("Poll schedule", .timeLimit(.minutes(5)))
struct PollScheduleTests {
    let schedule = PollSchedule(interval: .seconds(10), maxInterval: .seconds(60))

    @Test("the base interval while things change, slower (capped) while unchanged, four times while paused")
    func success() {
        #expect(schedule.afterSuccess(status: .running, unchangedPolls: 0) == .seconds(10))
        #expect(schedule.afterSuccess(status: .running, unchangedPolls: 5) == .seconds(20))
        #expect(schedule.afterSuccess(status: .running, unchangedPolls: 500) == .seconds(40))
        #expect(schedule.afterSuccess(status: .paused, unchangedPolls: 0) == .seconds(40))
        let tight = PollSchedule(interval: .seconds(30), maxInterval: .seconds(60))
        #expect(tight.afterSuccess(status: .paused, unchangedPolls: 0) == .seconds(60))
    }

    @Test("exponential backoff with jitter, capped, never sooner than Retry-After")
    func failure() {
        #expect(schedule.afterFailure(failures: 1, retryAfter: nil, jitter: 1) == .seconds(10))
        #expect(schedule.afterFailure(failures: 1, retryAfter: nil, jitter: 0) == .seconds(5))
        #expect(schedule.afterFailure(failures: 3, retryAfter: nil, jitter: 1) == .seconds(40))
        #expect(schedule.afterFailure(failures: 30, retryAfter: nil, jitter: 1) == .seconds(60))
        #expect(schedule.afterFailure(failures: 1, retryAfter: .seconds(45), jitter: 0) == .seconds(45))
        #expect(schedule.afterFailure(failures: 3, retryAfter: .seconds(1), jitter: 1) == .seconds(40))
    }

    @Test("the cap is never below the interval")
    func cap() {
        let s = PollSchedule(interval: .seconds(10), maxInterval: .seconds(1))
        #expect(s.maxInterval == .seconds(10))
    }

    @Test("outcomes: the worst status wins (3 > 1 > 2 > 0)")
    func worst() {
        #expect(WatchOutcome.worst([.completed, .cancelled]).exitCode == 2)
        #expect(WatchOutcome.worst([.cancelled, .failed, .completed]).exitCode == 1)
        #expect(WatchOutcome.worst([.failed, .unwatchable(kind: "not_found")]).exitCode == 3)
        #expect(WatchOutcome.worst([]).exitCode == 0)
    }

    @Test(
        "durations parse and print",
        arguments: [("50ms", 50), ("10s", 10_000), ("15m", 900_000), ("2h", 7_200_000), ("1h30m", 5_400_000), ("1.5s", 1500)])
    func durations(_ text: String, _ ms: Int64) {
        #expect(DurationText.parse(text)?.milliseconds == ms)
    }

    @Test("bad durations are rejected", arguments: ["", "10", "s", "10x", "-5s", "ten seconds"])
    func badDurations(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
