import Logging
import ServiceLifecycle
import TamwatchModel
import TamwatchStore
import TamwatchWatch

/// With a shared store: keeps this replica's watches (`SharedWatches`) renewed and at its fair
/// share, starting and stopping them in the watcher; on a graceful stop, after the watcher has
/// stopped, gives them all back so that the other replicas take them at once.
public struct LeaseKeeper: Service {
    let shared: SharedWatches
    let control: WatchControl
    let clock: any WatchClock
    let logger: Logger
    /// The credit budget a watch taken here runs with.
    let budget: @Sendable (HeldWatch) -> CreditBudget?
    /// After each turn: the census and how many watches this replica holds.
    let turned: @Sendable (LeaseCensus, _ held: Int) -> Void

    public init(
        shared: SharedWatches, control: WatchControl, clock: any WatchClock, logger: Logger,
        budget: @escaping @Sendable (HeldWatch) -> CreditBudget?, turned: @escaping @Sendable (LeaseCensus, Int) -> Void
    ) {
        self.shared = shared
        self.control = control
        self.clock = clock
        self.logger = logger
        self.budget = budget
        self.turned = turned
    }

    public func run() async throws {
        let keeper = self
        // The trust window holds even while a turn hangs (the database's packets dropped, not
        // refused: nothing fails until TCP gives up, many minutes later): a watchdog stops polling
        // the watches whose leases run out before they could be renewed.
        let watchdog = Task {
            while !Task.isCancelled {
                keeper.lapse()
                try? await keeper.clock.sleep(until: keeper.clock.uptime() + min(keeper.shared.sweep, keeper.shared.ttl / 4))
            }
        }
        defer { watchdog.cancel() }
        await cancelWhenGracefulShutdown {
            // What the log last said this replica holds: said again only when it changes.
            var reported: Holding?
            while !Task.isCancelled {
                do throws(StoreError) {
                    let holding = try await keeper.turn()
                    if holding != reported {
                        keeper.logger.info(
                            "holding \(holding.held) of \(holding.active) active watch(es); \(holding.live) replica(s) live")
                        reported = holding
                    }
                } catch {
                    // Stopping mid-turn is no failure: the leases are given back below.
                    if Task.isCancelled { break }
                    keeper.renewalFailed(error)
                }
                await keeper.shared.wakeUp.wait(until: keeper.clock.uptime() + keeper.shared.sweep, clock: keeper.clock)
            }
        }
        do {
            let n = try await shared.release()
            if n > 0 { logger.info("gave \(n) watch(es) back to the other replicas") }
        } catch {
            logger.error("the watch leases could not be given back (they run out by themselves): \(error)")
        }
    }

    /// What a turn leaves this replica with.
    struct Holding: Equatable {
        var held: Int
        var active: Int
        var live: Int
    }

    /// One turn; what it reports (the metrics) is up to date when it returns.
    private func turn() async throws(StoreError) -> Holding {
        let (gained, lost, shed, census) = try await shared.turn(now: clock.uptime())
        logger.debug(
            "lease turn: \(census.activeWatches) active, \(census.unheldWatches) unheld, \(census.liveOwners) replica(s) live; took \(gained.count), lost \(lost.count), handing back \(shed.count); holding \(shared.count)"
        )
        for id in lost {
            logger.info("job \(id): another replica holds its watch now; stopped polling it here")
            control.stop(jobId: id)
        }
        // More than this replica's share: stopped here, then handed over.
        for id in shed { control.stop(jobId: id) }
        if !shed.isEmpty {
            try await shared.giveBack(shed)
            logger.info("handed \(shed.count) watch(es) to other replicas (more than this one's share)")
        }
        for w in gained { control.add(jobId: w.jobId, labels: w.labels, budget: budget(w), query: w.query) }
        turned(census, shared.count)
        return Holding(held: shared.count, active: census.activeWatches, live: census.liveOwners)
    }

    private func renewalFailed(_ error: StoreError) {
        logger.error("the watch leases could not be renewed: \(error); trying again")
        lapse()
    }

    /// Stops polling what this replica can no longer trust it holds (`SharedWatches.lapsed`).
    private func lapse() {
        let lapsed = shared.lapsed(now: clock.uptime())
        for id in lapsed { control.stop(jobId: id) }
        if !lapsed.isEmpty {
            logger.warning(
                "stopped polling \(lapsed.count) watch(es): their leases run out before they can be renewed; another replica takes them, or this one again once the database answers"
            )
        }
    }
}
