import Foundation
import TamwatchTesting
import Testing

/// A `tamwatch simulate` process on a free port that advances each job one step (5 s unless
/// told: a shorter step makes the builds last more polls) per poll.
struct SimulatorProcess {
    let child: ChildProcess
    let url: String
    static let key = "e2e-key"

    static func start(scenario: String = "normal", step: String = "5s") async throws -> SimulatorProcess {
        let child = try ChildProcess(["simulate", "--port", "0", "--scenario", scenario, "--step-per-poll", step, "--api-key", key])
        try await child.waitFor(timeout: .seconds(30)) { $0.contains { $0.hasPrefix("http://") } }
        let url = try #require(child.stdoutLines.first { $0.hasPrefix("http://") })
        return SimulatorProcess(child: child, url: url)
    }

    /// Submits a build; `scenario` picks one by name, nil leaves the simulator's own.
    func submit(_ scenario: String?) async throws -> String {
        let c = try ChildProcess(
            ["submit", "cloud observability tools", "--api-url", url] + (scenario.map { ["--scenario", $0] } ?? []),
            environment: ["OPENFUNNEL_API_KEY": Self.key])
        let code = try await c.exitCode()
        guard code == 0, let id = c.stdoutLines.first, !id.isEmpty else { throw ChildError.timeout("submit exited \(code): \(c.stderr)") }
        return id
    }
}
