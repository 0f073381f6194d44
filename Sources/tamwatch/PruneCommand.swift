import ArgumentParser
import Foundation
import TamwatchApp
import TamwatchModel
import TamwatchStore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old events and settled deliveries from the state file.",
        discussion: """
            tamwatch prune                       what state.retention lets go (finished jobs' events, sent deliveries)
            tamwatch prune --older-than 7d       the same, older than 7 days
            tamwatch prune --dead --older-than 7d   dead deliveries too (kept otherwise, for tamwatch replay)
            Pending deliveries and events not yet written out are never pruned. watch prunes by \
            state.retention on its own, at start and every hour.
            """
    )

    @Flag(name: .long, help: "Also prune dead deliveries (kept otherwise until replayed).")
    var dead = false

    @Option(name: .long, help: "Prune what is older than this (default: state.retention).")
    var olderThan: String?

    @OptionGroup var options: ConfigOptions

    @OptionGroup var lockOptions: LockOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let olderThan, DurationText.parse(olderThan) == nil {
            throw ValidationError("--older-than '\(olderThan)' is not a duration (e.g. 7d, 12h)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let config = try options.load()
        guard let age = olderThan.flatMap(DurationText.parse) ?? config.retention else {
            printError("tamwatch: state.retention is off, so there is no default age: give --older-than (e.g. --older-than 30d)")
            throw Exit.usage
        }
        try options.requireStateFile(config)
        let lock = try await lockOptions.acquire(config.statePath, command: "tamwatch prune")
        defer { withExtendedLifetime(lock) {} }
        let store = try options.existingStore(config)
        let now = Date()
        var request = PruneRequest.retention(age, now: now)
        if dead { request.deadBefore = request.sentBefore }
        let counts: PruneCounts
        do { counts = try await Pruner(store: store).prune(request, now: now) } catch {
            printError("tamwatch: \(error)")
            throw ExitCode(error.exitCode)
        }
        let what = dead ? "finished jobs' events and sent or dead deliveries" : "finished jobs' events and sent deliveries"
        printError("tamwatch: pruned \(PruneText.counts(counts)) from \(config.statePath) (\(what) older than \(DurationText.format(age)))")
    }
}
