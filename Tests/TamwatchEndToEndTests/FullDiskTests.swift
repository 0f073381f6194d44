import Foundation
import TamwatchModel
import TamwatchTesting
import Testing

/// The state on a small filesystem that fills up mid-build (Tests/tools/full_disk.sh, in a
/// mount namespace of its own, so no mount outlives the test).
@Suite("A full disk, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct FullDiskTests {
    static let script = ServePageTests.root.appendingPathComponent("Tests/tools/full_disk.sh").path

    @Test(
        "the disk fills after 1, 5 or 15 events: watch exits 74 naming it; once space is back the same command carries on, every sequence number printed, none skipped, a repeat only of the same event",
        arguments: [1, 5, 15])
    func fillsUp(after: Int) async throws {
        // 1 s a poll: the build lasts long enough that the disk fills in its middle.
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let job = try await sim.submit("normal")
        let folder = temporaryDirectory()
        let run = try ChildProcess(
            ["unshare", "--mount", "--propagation", "private", Self.script, ChildProcess.binary, sim.url, job, "\(after)", folder.path],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key], executable: "/usr/bin/env")
        #expect(try await run.exitCode(timeout: .seconds(150)) == 0, "\(run.stderr)")
        #expect(run.stdoutLines.last == "exits 74 0", "\(run.stdoutLines) \(run.stderr)")
        func read(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }
        let firstErrors = try read("run1.err")
        #expect(firstErrors.contains("database or disk is full"), "\(firstErrors)")

        func events(_ name: String) throws -> [Event] {
            try read(name).split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.compactMap(Event.init(json:))
        }
        let first = try events("run1.out")
        let second = try events("run2.out")
        #expect(first.count >= after)
        #expect(second.last?.type == .terminal)
        var byID: [String: Event] = [:]
        for e in first + second {
            if let earlier = byID[e.id] { #expect(earlier == e, "an id seen twice is the same event") }
            byID[e.id] = e
        }
        let sequences = Set(byID.values.map(\.sequence))
        #expect(sequences == Set(1...(sequences.max() ?? 0)), "skipped: \(Set(1...(sequences.max() ?? 0)).subtracting(sequences).sorted())")
        #expect(
            Set(byID.values.filter { $0.sequence <= first.count }.map(\.id)) == Set(first.map(\.id)),
            "the first run's events kept their ids")
    }
}
