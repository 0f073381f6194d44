import Foundation
import TamwatchTesting
import Testing

/// The API against its own OpenAPI document, under schemathesis (PyPI): every check, the
/// coverage, fuzzing and stateful phases (the stateful one follows the document's links:
/// register, then get, stop, delete), a fixed seed and a bounded number of examples, on a real
/// `tamwatch serve` with a write token in front of the simulator. The event stream is left out:
/// it never ends, so a tester cannot read a whole answer; its own tests cover it.
@Suite("tamwatch serve: the API as its OpenAPI document says (schemathesis)", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ServeSchemathesisTests {
    @Test("schemathesis --checks all, seed 1: no failure")
    func conformance() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let config = dir.appendingPathComponent("tamwatch.yaml").path
        try """
        state: { path: state.sqlite }
        serve:
          tokens: [{ name: schemathesis, scope: write, token: "${E2E_SERVE_TOKEN}" }]
        channels:
          hook: { type: webhook, url: "http://127.0.0.1:9/hook", retry: [100ms] }
        rules:
          - { name: all, on: ["*"], to: [hook] }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let serve = try await ServeProcess.start(
            config: config, sim: sim, extra: ["--poll-interval", "200ms"], environment: ["E2E_SERVE_TOKEN": ServeProcess.token])
        defer { serve.child.stop() }
        let run = try ChildProcess(
            [
                "schemathesis", "run", serve.url + "/api/v1/openapi.yaml", "--url", serve.url,
                "--header", "Authorization: Bearer \(ServeProcess.token)", "--checks", "all", "--seed", "1",
                "--max-examples", "30", "--exclude-path", "/api/v1/events", "--request-timeout", "10",
                "--generation-database", "none", "--no-color",
            ], executable: "/usr/bin/env", directory: dir)
        let code = try await run.exitCode(timeout: .seconds(300))
        let output = run.stdoutLines.joined(separator: "\n")
        #expect(code == 0, "\(output.suffix(6000))\n\(run.stderr.suffix(2000))")
        #expect(output.contains("Stateful") && output.contains("No issues found"), "\(output.suffix(2000))")
        #expect(!output.contains(ServeProcess.token), "the token is never shown")
    }
}
