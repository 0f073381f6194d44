import Logging
import ServiceLifecycle
import Synchronization
import TamwatchStore

/// The dispatcher as a service: sends until a graceful shutdown, then records what finished and
/// gives back the claims of attempts cut short. A failure of the state store is kept for the
/// command to report.
struct DispatcherService: Service {
    let runtime: DeliveryRuntime

    func run() async throws {
        let dispatcher = runtime.dispatcher
        let failure = await cancelWhenGracefulShutdown { () async -> StoreError? in
            do throws(StoreError) {
                try await dispatcher.run()
                return nil
            } catch {
                return error
            }
        }
        runtime.failure.withLock { $0 = failure }
    }
}
