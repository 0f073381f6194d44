import Foundation
import TamwatchHTTP
import TamwatchTesting
import Testing

/// A flood of connections against `tamwatch serve`, timed. `scripts/test` runs this suite on its
/// own before the others (`--filter ServeUnderFloodTests`): the answer time it holds the service to
/// is the service's, not that of forty other suites sharing two cores.
@Suite("tamwatch serve under a flood of connections (run alone)", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ServeUnderFloodTests {
    @Test("silent and slowloris connections past the descriptor limit: /-/healthy answers within a second throughout")
    func connectionFlood() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let config = try ServeHardeningTests.config(in: dir, serve: "  listen: 127.0.0.1:9477")
        // 128 descriptors, as a tight unit file might give it: the cap follows from the limit.
        let child = try ChildProcess(
            [
                "-c", "ulimit -n 128 && exec \"$0\" \"$@\"", ChildProcess.binary, "serve", "--listen", "127.0.0.1:0", "--config", config,
                "--api-url", sim.url, "--idle-timeout", "2s",
            ], environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key], executable: "/bin/sh")
        defer { child.stop() }
        try await child.waitFor(timeout: .seconds(30)) { $0.contains { $0.hasPrefix("http://") } }
        let line = try #require(child.stdoutLines.first { $0.hasPrefix("http://") })
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0) })
        let http = CurlTransport()
        defer { http.shutdown() }

        var silent: [RawConnection] = []
        var slow: [RawConnection] = []
        defer { (silent + slow).forEach { $0.close() } }
        for i in 0..<300 {
            let c = try RawConnection(port: port)
            if i % 3 == 0 {
                c.send("GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                slow.append(c)
            } else {
                silent.append(c)
            }
        }
        var worst = Duration.zero
        for round in 0..<24 {
            // The slow ones send one more header byte each round and never finish.
            for c in slow { c.send(round % 2 == 0 ? "X" : "-") }
            let started = ContinuousClock.now
            let answer = try? await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/-/healthy", timeout: .seconds(5)))
            let took = ContinuousClock.now - started
            worst = max(worst, took)
            #expect(
                answer?.status == 200 && took < .seconds(1), "round \(round): \(answer.map { "\($0.status)" } ?? "no answer") in \(took)")
            try await Task.sleep(for: .milliseconds(125))
        }
        // Every one of them was closed: by the cap, or by the deadline for a request head.
        let open = (silent + slow).filter { !$0.closedByPeer(within: .seconds(4)) }
        #expect(open.isEmpty, "\(open.count) connections still open; worst /-/healthy \(worst)")
        #expect(child.stderr.contains("Too many open files") == false, "\(child.stderr.suffix(500))")
    }
}
