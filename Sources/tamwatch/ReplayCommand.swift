import ArgumentParser
import Foundation
import TamwatchApp
import TamwatchConsole
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchStore

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Queue deliveries again and send them now.",
        discussion: """
            tamwatch replay ID...            the named deliveries (any unique id prefix)
            tamwatch replay --dead           every dead-lettered delivery (--channel, --job narrow it)
            tamwatch replay --pending        every pending delivery, without waiting for its retry time
            A replayed delivery keeps its webhook-id, so a receiver that already has it can drop it. \
            Replaying a disabled channel's deliveries enables the channel again. Exit 0 when every \
            replayed delivery was sent, 1 otherwise.
            """
    )

    @Argument(help: "Delivery ids (or unique prefixes), as tamwatch deliveries shows them.")
    var ids: [String] = []

    @Flag(name: .long, help: "Replay every dead delivery.")
    var dead = false

    @Flag(name: .long, help: "Send every pending delivery now.")
    var pending = false

    @Option(name: .long, help: "With --dead or --pending: only this channel.")
    var channel: String?

    @Option(name: .long, help: "With --dead or --pending: only this job.")
    var job: String?

    @OptionGroup var options: ConfigOptions

    @OptionGroup var lockOptions: LockOptions

    @OptionGroup var drain: DrainOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if ids.isEmpty && !dead && !pending { throw ValidationError("name delivery ids, or use --dead or --pending") }
        if !ids.isEmpty && (dead || pending) { throw ValidationError("give ids or --dead/--pending, not both") }
        if ids.isEmpty == false && (channel != nil || job != nil) {
            throw ValidationError("--channel and --job go with --dead or --pending")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let config = try options.load()
        try options.requireStateFile(config)
        let lock = try await lockOptions.acquire(config.statePath, command: "tamwatch replay")
        defer { withExtendedLifetime(lock) {} }
        let store = try options.existingStore(config)

        let chosen: [StoredDelivery]
        do {
            chosen = try await Replay.select(ids: ids, dead: dead, pending: pending, jobId: job, channel: channel, store: store)
        } catch let error as Replay.NoMatch {
            printError("tamwatch: \(error)")
            if !error.ambiguous, let note = PruneText.note(try await store.pruned(), retention: config.retention) { printError(note) }
            throw ExitCode(1)
        }
        guard !chosen.isEmpty else {
            printError("tamwatch: nothing to replay")
            if let note = PruneText.note(try await store.pruned(), retention: config.retention) { printError(note) }
            return
        }
        // One batch: the dispatcher sends, the drain waits for and the report lists exactly these.
        let batch = "replay-" + UUID().uuidString.lowercased()
        let ids: [String]
        do {
            ids = try await Replay.queue(chosen, configured: Set(config.channels.map(\.name)), store: store, at: Date(), batch: batch)
        } catch let error as Replay.NotConfigured {
            printError("tamwatch: \(error) (configuration: \(config.file ?? "none"))")
            throw Exit.configuration
        }
        if ids.count < chosen.count {
            printError("tamwatch: \(chosen.count - ids.count) of them are being sent by another tamwatch right now; left to it")
        }
        printError("tamwatch: replaying \(ids.count) \(ids.count == 1 ? "delivery" : "deliveries")")

        let transport = CurlTransport()
        defer { transport.shutdown() }
        // Only the deliveries named here go out: pending ones of other jobs wait for their own time.
        let dispatcher = try assembleDispatcher(config: config, store: store, transport: transport, batch: batch)
        let dispatching = DispatcherService(dispatcher)
        let timeout = drain.timeout
        let left =
            await CommandLifecycle.run(services: [dispatching]) { () -> PendingSummary? in
                do { return try await dispatcher.drain(jobIds: nil, batch: batch, timeout: timeout) } catch {
                    if !Task.isCancelled { printError("tamwatch: \(error)") }
                    return nil
                }
            } ?? nil
        reportFailure(dispatching)

        let after = try await store.deliveries(batch: batch)
        StandardStream.output.write(DeliveryText.report(after, now: Date(), kinds: DeliveryText.kinds(config)))
        if let left { reportLeftovers(left, timeout: timeout, statePath: config.statePath) }
        if after.contains(where: { $0.status != .sent }) { throw ExitCode(1) }
    }
}
