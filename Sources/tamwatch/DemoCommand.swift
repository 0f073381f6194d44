import ArgumentParser
import Foundation
import Logging
import TamwatchCore
import TamwatchSimulator

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch a simulated TAM build from start to end, with nothing to set up.",
        discussion: "Starts the built-in OpenFunnel simulator on a free loopback port, submits a build and watches it. No credits are spent."
    )

    @Option(name: .long, help: "The scenario to play (normal, degraded, failed, cancelled, paused, flaky).")
    var scenario: String?

    @Option(name: .long, help: "Simulated seconds per real second.")
    var speed: Double = 10

    @Option(name: .long, help: "What to print on stdout for each event: text or ndjson.")
    var output: Console.Format = .text

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number") }
    }

    func run() async throws {
        logging.bootstrap()
        let chosen: Scenario
        do { chosen = try ScenarioCatalog.resolve(scenario, catalog: try ScenarioCatalog.bundled()) } catch {
            printError("tamwatch: scenario \(error)")
            throw Exit.configuration
        }
        let key = "demo-key"
        var simLogger = Logger(label: "tamwatch.simulator")
        simLogger.logLevel = .critical  // Hummingbird reports its own shutdown as an error
        let engine = SimulatorEngine(apiKey: key, scenario: chosen, pace: .clock(speed: speed))
        let simulator = try await SimulatorServer(engine: engine, logger: simLogger).start()
        defer { Task { await simulator.stop() } }

        let query = "cloud observability and monitoring tools"
        printError("""
            tamwatch demo: an OpenFunnel simulator is serving on \(simulator.baseURL) (scenario \(chosen.name)); no credits are spent.
            Submitting a TAM build for "\(query)" and watching it until it ends.

            """)
        let transport = CurlTransport()
        let client = OpenFunnelClient(baseURL: simulator.baseURL, apiKey: key, transport: transport)
        let jobId: String
        do { jobId = try await client.submit(query: query).jobId } catch {
            printError("tamwatch: submit to the simulator failed: \(error)")
            throw ExitCode(1)
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-demo-\(getpid())")
        let store = try StateStore(path: folder.appendingPathComponent("state.sqlite").path)
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = TamwatchConfig()
        config.api.pollInterval = .milliseconds(250)
        config.watch.maxPollInterval = .seconds(1)
        config.watch.milestones = .list([1000, 5000, 10000, 20000])
        let console = Console(format: output)
        let watcher = Watcher(client: client, store: store, sink: console, settings: WatchSettings(config: config),
                              logger: Logger(label: "tamwatch.watch"))
        let task = Task<WatchOutcome, Never> {
            (try? await watcher.watch(job: jobId, labels: ["owner": "demo@example.com"])) ?? .unwatchable(kind: "state")
        }
        let signals = cancelOnSignals(task)
        let outcome = await task.value
        signals.forEach { $0.cancel() }
        await console.finish()

        if outcome != .interrupted, let page = try? await client.poll(jobId: jobId), !page.rows.isEmpty {
            var lines = ["", "First companies of the ranked list (page \(page.page ?? "page_0000"), \(page.count) rows; next: \(page.nextCursor ?? "none")):"]
            for row in page.rows.prefix(3) {
                lines.append("  \(row.matchScore.map(String.init) ?? "?")  \(row.name ?? "?")  \(row.domain ?? "")  band \(row.sourceBand ?? "?")")
            }
            printError(lines.joined(separator: "\n"))
        }
        printError("""

            The build ended as \(outcome) (exit status \(outcome.exitCode)).
            Next, a real build: export OPENFUNNEL_API_KEY=of_...; JOB=$(tamwatch submit "your market"); tamwatch watch "$JOB"
            """)
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}
