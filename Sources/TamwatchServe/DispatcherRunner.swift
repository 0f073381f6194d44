import Logging
import ServiceLifecycle
import TamwatchDelivery
import TamwatchModel
import TamwatchStore

/// The dispatcher until a shutdown (started again after a store failure); then nothing new
/// starts and attempts in flight get the drain timeout to finish and be recorded; what is left
/// is cut short, its claim given back.
struct DispatcherRunner: Service {
    let server: TamwatchServer

    func run() async throws {
        let dispatcher = server.dispatcher
        let readiness = server.readiness
        let drain = server.options.shutdownGrace
        let logger = server.logger
        let server = self.server
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // The state store failing (a database restarted or out of reach, a full disk)
                // stops the dispatcher, not the service: not ready meanwhile, it starts again by
                // itself, 1 s after the failure, doubling to 30 s while the store keeps failing.
                var wait = Duration.seconds(1)
                while !Task.isCancelled {
                    readiness.set(dispatcher: true)
                    let started = server.clock.uptime()
                    do throws(StoreError) { try await dispatcher.run() } catch {
                        if !Task.isCancelled {
                            logger.error("the dispatcher stopped: \(error); starting it again in \(DurationText.format(wait))")
                        }
                    }
                    readiness.set(dispatcher: false)
                    // Ran a while before failing: the store was fine then, so start over at 1 s.
                    if server.clock.uptime() - started > .seconds(60) { wait = .seconds(1) }
                    do { try await server.clock.sleep(for: wait) } catch { break }
                    wait = min(wait * 2, .seconds(30))
                }
            }
            group.addTask {
                do { try await gracefulShutdown() } catch { return }
                let left = await dispatcher.quiesce(timeout: drain)
                if left > 0 { logger.warning("\(left) deliveries still in flight after the drain timeout; they stay queued") }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
