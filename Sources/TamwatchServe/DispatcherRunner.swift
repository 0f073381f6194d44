import Logging
import ServiceLifecycle
import TamwatchDelivery

/// The dispatcher until a shutdown; then nothing new starts and attempts in flight get the
/// drain timeout to finish and be recorded; what is left is cut short, its claim given back.
struct DispatcherRunner: Service {
    let server: TamwatchServer

    func run() async throws {
        let dispatcher = server.dispatcher
        let readiness = server.readiness
        let drain = server.options.drainTimeout
        let logger = server.logger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                readiness.set(dispatcher: true)
                do { try await dispatcher.run() } catch {
                    if !Task.isCancelled { logger.error("the dispatcher stopped: \(error)") }
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
