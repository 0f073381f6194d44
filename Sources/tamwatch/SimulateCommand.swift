import ArgumentParser
import Foundation
import Logging
import TamwatchApp
import TamwatchConsole
import TamwatchModel
import TamwatchSimulator

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the OpenFunnel-compatible simulator on loopback (try rules without spending credits).",
        discussion: """
            Serves submit, poll (with cursor pages), cancel, pause, resume and the credit balance. \
            Builds follow a scenario from config/scenarios/ (normal, degraded, failed, cancelled, paused, \
            flaky) or a YAML file. On submit, the header X-Simulator-Scenario: NAME picks another one.
            """
    )

    @Option(name: .long, help: "Port on 127.0.0.1 (0 picks a free one; the URL is printed on stdout).")
    var port: Int = 8787

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "A scenario name (see config/scenarios) or a YAML file.")
    var scenario: String?

    @Option(name: .long, help: "Simulated seconds per real second, on top of the scenario's own speed.")
    var speed: Double = 1

    @Option(name: .long, help: "Advance a job by this much simulated time on each poll instead of by the clock (e.g. 5s).")
    var stepPerPoll: String?

    @Option(name: .long, help: "The API key to accept (default: $OPENFUNNEL_API_KEY, else sim-key).")
    var apiKey: String?

    @Option(name: .long, help: "The account's credit allowance; every company a build delivers spends one.")
    var totalCredits: Double = 1_000_000

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard totalCredits >= 0, totalCredits.isFinite else { throw ValidationError("--total-credits must be 0 or more") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number") }
        if let stepPerPoll, DurationText.parse(stepPerPoll) == nil {
            throw ValidationError("--step-per-poll '\(stepPerPoll)' is not a duration (e.g. 5s)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let catalog: [String: Scenario]
        let chosen: Scenario
        do {
            catalog = try ScenarioCatalog.bundled()
            chosen = try ScenarioCatalog.resolve(scenario, catalog: catalog)
        } catch {
            printError("tamwatch: scenario \(error)")
            throw Exit.configuration
        }
        let env = ProcessInfo.processInfo.environment
        let key = apiKey ?? env["OPENFUNNEL_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? "sim-key"
        let keySource = apiKey != nil ? "--api-key" : (env["OPENFUNNEL_API_KEY"]?.isEmpty == false ? "$OPENFUNNEL_API_KEY" : "sim-key")
        let pace: SimulatorEngine.Pace = stepPerPoll.flatMap(DurationText.parse).map { .perPoll($0) } ?? .clock(speed: speed)
        let engine = SimulatorEngine(
            apiKey: key, scenario: chosen, scenarios: catalog, pace: pace, totalCredits: totalCredits)
        var logger = Logger(label: "tamwatch.simulator")
        // Hummingbird reports its own shutdown as an error; show its logs only when debugging.
        logger.logLevel = logging.logLevel <= .debug ? logging.logLevel : .critical
        let server = SimulatorServer(engine: engine, host: host, port: port, logger: logger)
        let pacing: String
        if case .perPoll(let step) = pace {
            pacing = "\(DurationText.format(step)) per poll"
        } else {
            pacing = "speed x\(speed * chosen.speed)"
        }

        // Serves until Ctrl-C or SIGTERM.
        _ = await CommandLifecycle.run {
            do {
                try await server.run { bound in
                    let url = "http://\(host):\(bound)"
                    StandardStream.output.write("\(url)\n")
                    printError(
                        "OpenFunnel simulator listening on \(url) (scenario \(chosen.name), \(pacing); API key: \(keySource)). Ctrl-C stops it."
                    )
                }
            } catch {
                if !Task.isCancelled { printError("tamwatch: the simulator stopped: \(error)") }
            }
        }
    }
}
