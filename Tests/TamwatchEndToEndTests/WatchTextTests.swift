import Foundation
import TamwatchTesting
import Testing

@Suite("watch's text output", .timeLimit(.minutes(5)), .reapsChildren)
struct WatchTextTests {
    @Test("a line per event, and the build named by its query once, as soon as it is known")
    func namedByQuery() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")
        let state = temporaryDirectory().appendingPathComponent("s.sqlite").path
        let watch = try ChildProcess(
            ["watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress", "--state", state],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        let lines = watch.stdoutLines.filter { !$0.isEmpty }
        let short = String(job.prefix(8))
        #expect(lines.allSatisfy { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) == short })
        let named = lines.filter { $0.contains("  build  ") || $0.hasSuffix("\"cloud observability tools\"") }
        #expect(named.count == 1, "\(lines)")
        // Watched by id, the simulator's pending build has no rows: its first event comes first.
        #expect(lines.first?.contains("job.status_changed") == true)
        #expect(lines.last?.contains("job.terminal") == true && lines.last?.contains("completed") == true)
    }
}
