import ServiceLifecycle
import Synchronization
import TamwatchDelivery
import TamwatchStore

/// The dispatcher as a service: sends until a graceful shutdown, then records what finished and
/// gives back the claims of attempts cut short. A failure of the state store is kept for the
/// command to report.
public final class DispatcherService: Service, Sendable {
    public let dispatcher: Dispatcher
    private let failed = Mutex<StoreError?>(nil)

    public init(_ dispatcher: Dispatcher) { self.dispatcher = dispatcher }

    /// Why the dispatcher stopped early, if the state store made it.
    public var failure: StoreError? { failed.withLock { $0 } }

    public func run() async throws {
        let dispatcher = self.dispatcher
        let failure = await cancelWhenGracefulShutdown { () async -> StoreError? in
            do throws(StoreError) {
                try await dispatcher.run()
                return nil
            } catch {
                return error
            }
        }
        failed.withLock { $0 = failure }
    }
}
