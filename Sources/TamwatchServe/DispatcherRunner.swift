import Logging
import ServiceLifecycle
import TamwatchDelivery
import TamwatchStore

/// The dispatcher until a shutdown; then nothing new starts and attempts in flight get the
/// drain timeout to finish and be recorded; what is left is cut short, its claim given back.
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
                readiness.set(dispatcher: true)
                do throws(StoreError) { try await dispatcher.run() } catch {
                    if !Task.isCancelled {
                        // The state store failed: the service stops, and says so with its exit status.
                        logger.error("the dispatcher stopped: \(error)")
                        server.failure.withLock { $0 = $0 ?? error }
                    }
                }
                readiness.set(dispatcher: false)
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
