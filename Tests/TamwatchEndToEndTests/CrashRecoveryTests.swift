import Foundation
import TamwatchModel
import TamwatchTesting
import Testing

/// SIGKILL in the middle of a build, then a restart on the same state file.
@Suite("Crash recovery, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct CrashRecoveryTests {
    /// A simulator with one normal build, and a way to start `tamwatch watch` on it, always on the same state file.
    /// A step of 1 s a poll makes the build last five times as many polls as the default: long enough that
    /// a kill meant for its middle lands there even when the machine is busy with other tests
    /// (with 5 s a step, a loaded run once saw the whole build end before the first kill).
    static func normalBuild() async throws -> (SimulatorProcess, () throws -> ChildProcess) {
        let sim = try await SimulatorProcess.start(step: "1s")
        let job = try await sim.submit("normal")
        let state = temporaryDirectory().appendingPathComponent("state.sqlite").path
        let args = ["watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--state", state, "--output", "ndjson", "--no-progress"]
        return (sim, { try ChildProcess(args, environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key]) })
    }

    @Test("killed twice mid-build: no event lost, none announced under two ids, at most a re-print of the same id")
    func sigkill() async throws {
        let (sim, watch) = try await Self.normalBuild()
        defer { sim.child.stop() }

        // Where the kills land is random; the seed is printed so a failing run can be repeated
        // with TAMWATCH_TEST_SEED.
        let seed = ProcessInfo.processInfo.environment["TAMWATCH_TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max >> 1)
        print("CrashRecoveryTests.sigkill: TAMWATCH_TEST_SEED=\(seed)")
        var random = SplitMix64(seed: seed)
        var runs: [[Event]] = []
        var stderrs: [String] = []
        for killAfterLines in [3, 9] {
            let child = try watch()
            try await child.waitFor { $0.count >= killAfterLines }
            // Somewhere in the next poll cycles, not on a line boundary (real time: another process).
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...80, using: &random)))
            try await child.sigkill()
            runs.append(child.stdoutLines.compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:)))
            stderrs.append(child.stderr)
        }
        let last = try watch()
        #expect(try await last.exitCode() == 0, "stderr: \(last.stderr)")
        runs.append(last.stdoutLines.compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:)))
        #expect(runs[0].count >= 3 && runs[1].count >= 1, "seed \(seed); the killed runs' stderr: \(stderrs)")

        // Within one run no id repeats.
        for run in runs { #expect(Set(run.map(\.id)).count == run.count) }
        // Across runs an id seen again is the very same event (the one a kill caught between
        // writing it and recording that it was written), re-printed first thing on restart.
        var byID: [String: Event] = [:]
        for (i, run) in runs.enumerated() {
            for (position, e) in run.enumerated() {
                if let earlier = byID[e.id] {
                    #expect(earlier == e)
                    #expect(i > 0 && position < 8, "a repeat only as the re-print of what the killed run left unrecorded")
                }
                byID[e.id] = e
            }
        }
        let all = byID.values.sorted { $0.sequence < $1.sequence }
        #expect(all.map(\.sequence) == Array(1...all.count), "a sequence number is missing: an event was lost")
        let bands = all.filter { $0.type == .bandCompleted }.compactMap { $0.data["band"]?.intValue }
        #expect(bands == [1, 2, 3, 4, 5, 6], "each band once, under one id")
        let marks = all.filter { $0.type == .processedMilestone }.compactMap { $0.data["milestone"]?.intValue }
        #expect(marks == [1000, 5000, 10000])
        #expect(all.filter { $0.type == .terminal }.count == 1)
        #expect(all.filter { $0.type == .statusChanged && $0.data["from"] == .null }.count == 1, "one baseline, however many restarts")
    }

    @Test("Ctrl-C stops the watch cleanly (exit 130) and the next run carries on where it stopped")
    func interrupt() async throws {
        let (sim, watch) = try await Self.normalBuild()
        defer { sim.child.stop() }
        let first = try watch()
        try await first.waitFor { $0.count >= 4 }
        let linesAtSignal = first.stdoutLines.count
        kill(first.pid, SIGINT)
        let firstStatus = try await first.exitCode()
        #expect(
            firstStatus == 130,
            "exit \(firstStatus) after \(first.stdoutLines.count) lines (\(linesAtSignal) when signalled); stderr: \(first.stderr)")
        #expect(first.stderr.contains("interrupted; state saved"))
        let second = try watch()
        #expect(try await second.exitCode() == 0)
        let events = (first.stdoutLines + second.stdoutLines).compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:))
        #expect(Set(events.map(\.id)).count == events.count, "a clean stop re-prints nothing")
        #expect(events.map(\.sequence) == Array(1...events.count))
    }
}

/// A small seeded generator (SplitMix64), so a random test can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
