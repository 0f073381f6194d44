import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchApp
import TamwatchConsole
import TamwatchHTTP
import TamwatchHTTPServer
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchReceiver
import TamwatchSQLite
import TamwatchSimulator
import TamwatchWatch

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch a simulated TAM build from start to end, with nothing to set up.",
        discussion: """
            Starts the built-in OpenFunnel simulator and a local webhook receiver on free loopback \
            ports, submits a build, watches it, and delivers its events as signed webhooks to the \
            receiver, which checks every signature. No credits are spent.
            """
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
        // The servers run in tasks of their own; each is stopped and awaited however the demo ends.
        let result: Result<Void, any Error>
        do { result = .success(try await demo(simulator: simulator, key: key, chosen: chosen)) } catch { result = .failure(error) }
        await simulator.stop()
        try result.get()
    }

    private func demo(simulator: RunningServer, key: String, chosen: Scenario) async throws {
        let query = "cloud observability and monitoring tools"
        printError(
            """
            tamwatch demo: an OpenFunnel simulator is serving on \(simulator.baseURL) (scenario \(chosen.name)); no credits are spent.
            Submitting a TAM build for "\(query)" and watching it until it ends.

            """)
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let client = OpenFunnelClient(baseURL: simulator.baseURL, apiKey: key, transport: transport)
        let jobId: String
        do { jobId = try await client.submit(query: query).jobId } catch {
            printError("tamwatch: submit to the simulator failed: \(error)")
            throw ExitCode(1)
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-demo-\(getpid())")
        let store = try SQLiteStore(path: folder.appendingPathComponent("state.sqlite").path)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A closed stdout (`tamwatch demo | head -1`) stops the demo as Ctrl-C would.
        let stop = WakeSignal()
        let console = Console(format: output, onClosed: { stop.signal() })

        // A local receiver that checks Standard Webhooks signatures, and a channel pointing at it.
        let secret = DemoReceiver.makeSecret()
        let tally = DemoReceiver.Tally()
        var receiverLogger = Logger(label: "tamwatch.receiver")
        receiverLogger.logLevel = .critical
        let receiver = try WebhookReceiver(secrets: [secret], logger: receiverLogger) { arrival in
            tally.add(arrival)
            await console.note("    ⇢ receiver  " + ReceiveText.line(arrival))
        }
        let running = try await receiver.start()
        let config = DemoReceiver.config(receiverURL: "\(running.baseURL)/tamwatch", secret: secret)
        printError("A local webhook receiver is listening on \(running.baseURL)/tamwatch; it checks every signature.\n")

        // Assembled as watch and serve are (the receiver's secret is masked like any other).
        let app = try assemble(config: config, store: store, transport: transport, client: client, sink: console)
        let dispatching = DispatcherService(app.dispatcher)
        let finished = await CommandLifecycle.run(services: [dispatching], stop: stop) {
            await app.watch(
                jobs: [jobId], labels: ["owner": "demo@example.com"], budget: nil, queries: [jobId: query], drainTimeout: .seconds(10))
        }
        let outcome = finished.map { $0.outcomes[jobId] ?? ($0.error != nil ? .unwatchable(kind: "state") : .interrupted) } ?? .interrupted
        await running.stop()
        reportFailure(dispatching)
        await console.finish()
        if console.stdoutClosed {
            printError("tamwatch demo: stdout was closed (its reader went away); stopped.")
            throw Exit.ioError
        }
        let sent = (try? await store.deliveries(status: .sent, jobId: jobId).count) ?? 0
        printError("\nDeliveries: \(sent) sent; the receiver got \(tally.summary).")

        if outcome != .interrupted, let page = try? await client.poll(jobId: jobId), !page.rows.isEmpty {
            var lines = [
                "",
                "First companies of the ranked list (page \(page.page ?? "page_0000"), \(page.count) rows; next: \(page.nextCursor ?? "none")):",
            ]
            for row in page.rows.prefix(3) {
                lines.append(
                    "  \(row.matchScore.map(String.init) ?? "?")  \(row.name ?? "?")  \(row.domain ?? "")  band \(row.sourceBand ?? "?")")
            }
            printError(lines.joined(separator: "\n"))
        }
        printError(
            """

            The build ended as \(outcome) (exit status \(outcome.exitCode)).
            Next, a real build: export OPENFUNNEL_API_KEY=of_...; JOB=$(tamwatch submit "your market"); tamwatch watch "$JOB"
            """)
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}
