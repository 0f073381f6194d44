import Foundation
import Logging
import ServiceLifecycle
import TamwatchModel
import TamwatchStore

/// Keeps the state file from growing forever: prunes what `state.retention` lets go when the
/// command starts, then every hour while it runs.
public struct RetentionService: Service {
    let store: any Pruning
    let keep: Duration
    var clock: any WatchClock = SystemClock()
    let logger = Logger(label: "tamwatch.retention")

    public init(store: any Pruning, keep: Duration, clock: any WatchClock = SystemClock()) {
        self.store = store
        self.keep = keep
        self.clock = clock
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let counts = try await Pruner(store: store).prune(.retention(keep, now: clock.now()), now: clock.now())
                    if counts.total > 0 {
                        logger.info("pruned \(PruneText.counts(counts)) older than \(DurationText.format(keep)) (state.retention)")
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("pruning the state file failed: \(error); trying again in an hour")
                }
                try await clock.sleep(for: .seconds(3600))
            }
        }
    }
}
