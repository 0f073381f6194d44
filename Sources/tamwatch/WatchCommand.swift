import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TamwatchApp
import TamwatchConsole
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore
import TamwatchWatch

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch TAM builds until each one ends.",
        discussion: """
            The API key comes from the environment variable OPENFUNNEL_API_KEY (or api.key in the \
            config, usually as ${OPENFUNNEL_API_KEY}); it is never logged.

            Exit status: 0 every job completed; 1 a job failed; 2 a job was cancelled; 3 a job could \
            not be watched (unauthorized, not found, unreachable); 64 usage; 74 the state file could \
            not be written or stdout failed (disk full, I/O error); 75 another tamwatch is writing to \
            the state file (try again, or --wait); 78 configuration. With several jobs the worst wins \
            (3 > 1 > 2 > 0). Ctrl-C stops with the state saved (130).

            Deliveries chosen by the config's rules are queued in the state file with the events and \
            sent as they fall due. Once every job has ended, watch waits up to --drain-timeout for \
            them to settle; what is left stays queued for the next run. SIGHUP reads the config file \
            again and applies its rules, templates, channels, guard and watch defaults (a broken file \
            is reported and the running configuration kept).

            With results.dir configured, a completed build's list is exported there before watch \
            exits (job.results_ready); --no-results skips it. With a credit budget (guard.max_credits \
            or --max-credits), job.budget_warning and job.budget_exceeded are emitted and the guard \
            pauses or cancels the build once; with guard.min_balance, the account's balance is read \
            once a minute (account.credits_low).
            """
    )

    @Argument(help: "One or more job ids, as returned by the submit call.")
    var jobIds: [String]

    @Option(name: .long, help: "What to print on stdout for each event: text or ndjson.")
    var output: Console.Format = .text

    @OptionGroup var api: APIOverrides

    @Option(name: .long, help: "A label for the watched jobs, key=value; repeatable.")
    var label: [String] = []

    @Flag(name: .long, help: "Do not draw live progress lines on stderr.")
    var noProgress = false

    @OptionGroup var creditGuard: GuardOptions

    @OptionGroup var options: ConfigOptions

    @OptionGroup var lockOptions: LockOptions

    @OptionGroup var drain: DrainOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        for id in jobIds {
            if let problem = JobID.problem(id) { throw ValidationError("\(id.debugDescription): \(problem)") }
        }
        _ = try parseLabels(label)
    }

    func run() async throws {
        logging.bootstrap()
        var config = try options.load()
        api.apply(to: &config)
        let key = try apiKey(config)
        let labels = try parseLabels(label)
        // One writer per state file (a Ctrl-C while waiting for it simply exits: nothing is written yet).
        let lock = try await lockOptions.acquire(config.statePath, command: "tamwatch watch")
        defer { withExtendedLifetime(lock) {} }
        let store = try openStore(config.statePath)
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let client = OpenFunnelClient(baseURL: config.api.baseURL, apiKey: key, transport: transport, timeout: config.api.timeout)
        // A closed stdout (`| head -1`) stops the watch as Ctrl-C would, state saved.
        let stop = WakeSignal()
        let console = Console(format: output, live: noProgress ? false : nil, onClosed: { stop.signal() })
        var options = Assembly.Options()
        options.results = !creditGuard.noResults
        let overrides = api
        options.adjust = { overrides.apply(to: &$0) }
        let app = try assemble(config: config, store: store, transport: transport, client: client, sink: console, options: options)
        let budget = creditGuard.budget(config)

        // Ctrl-C or SIGTERM stops the watch cleanly: state saved, the dispatcher stopped after it.
        let jobs = jobIds
        let timeout = drain.timeout
        let dispatching = DispatcherService(app.dispatcher)
        var services: [any Service] = [dispatching]
        if let keep = config.retention { services.insert(RetentionService(store: store, keep: keep), at: 0) }
        // SIGHUP: rules, templates, channels, guard and watch defaults, read again.
        if config.file != nil { services.append(ReloadOnHangup(reloader: app.reloader)) }
        let outcome = await CommandLifecycle.run(services: services, stop: stop) {
            await app.watch(jobs: jobs, labels: labels, budget: budget, drainTimeout: timeout)
        }
        let run = outcome ?? WatchRun(interrupted: true)
        reportFailure(dispatching)
        await console.finish()
        if let left = run.leftover, !run.interrupted { reportLeftovers(left, timeout: timeout, statePath: config.statePath) }

        if let error = run.error {
            printError("tamwatch: \(error)")
            throw ExitCode(error.exitCode)
        }
        if console.stdoutClosed {
            printError(
                "tamwatch: stdout was closed (its reader went away); stopped with the state saved in \(config.statePath). "
                    + "Run the same command to carry on: events not yet written are written then.")
            throw Exit.ioError
        }
        var worst = WatchOutcome.worst(Array(run.outcomes.values))
        if run.interrupted { worst = .interrupted }
        if worst == .interrupted {
            printError("tamwatch: interrupted; state saved in \(config.statePath). Run the same command to carry on.")
        }
        if worst.exitCode != 0 { throw ExitCode(worst.exitCode) }
    }
}

extension Console.Format: ExpressibleByArgument {}
