import Foundation
import ServiceLifecycle
import TamwatchModel
import TamwatchStore
import TamwatchWatch

/// With a shared store: keeps this replica's watches (`SharedWatches`) renewed and at its fair
/// share, starting and stopping them in the watcher; on a graceful stop, after the watcher has
/// stopped, gives them all back so that the other replicas take them at once.
struct LeaseKeeper: Service {
    let server: TamwatchServer
    let shared: SharedWatches

    func run() async throws {
        let server = self.server
        let shared = self.shared
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let (gained, lost, shed, census) = try await shared.turn(now: server.clock.uptime())
                    for id in lost {
                        server.logger.info("job \(id): another replica holds its watch now; stopped polling it here")
                        server.control.stop(jobId: id)
                    }
                    // More than this replica's share: stopped here, then handed over.
                    for id in shed { server.control.stop(jobId: id) }
                    if !shed.isEmpty {
                        try await shared.giveBack(shed)
                        server.logger.info("handed \(shed.count) watch(es) to other replicas (more than this one's share)")
                    }
                    for w in gained {
                        server.control.add(
                            jobId: w.jobId, labels: w.labels, budget: server.budget(maxCredits: w.maxCredits, guardAction: w.guardAction))
                    }
                    server.metrics.leases(census, held: shared.count)
                    // Another replica's events reach this one's event stream (if a change was missed).
                    server.hub.notify()
                } catch {
                    // Stopping mid-turn is no failure: the leases are given back below.
                    if Task.isCancelled { break }
                    server.logger.error("the watch leases could not be renewed: \(error); trying again")
                    let lapsed = shared.lapsed(now: server.clock.uptime())
                    for id in lapsed { server.control.stop(jobId: id) }
                    if !lapsed.isEmpty {
                        server.logger.warning(
                            "stopped polling \(lapsed.count) watch(es): their leases run out before they can be renewed; another replica takes them, or this one again once the database answers"
                        )
                    }
                }
                await shared.wakeUp.wait(until: server.clock.uptime() + shared.sweep, clock: server.clock)
            }
        }
        do {
            let n = try await shared.release()
            if n > 0 { server.logger.info("gave \(n) watch(es) back to the other replicas") }
        } catch {
            server.logger.error("the watch leases could not be given back (they run out by themselves): \(error)")
        }
    }
}
