import Logging
import Synchronization
import TamwatchModel
import TamwatchStore
import TamwatchWatch

/// Watches whose turn the state store failed (a full disk): each is watched again, from its
/// last stored state, once the store takes a write, looked at after 1 s, then 2, 4, ... up
/// to a minute. Nothing is lost meanwhile: what the failed commit held is derived again.
final class WatchRetry: Sendable {
    let store: any StateStore
    let clock: any WatchClock
    let logger: Logger
    /// The server's control, set once it exists (its `ended` closure holds this retry).
    let control = Mutex<WatchControl?>(nil)
    private let waiting = Mutex<Set<String>>([])

    init(store: any StateStore, clock: any WatchClock, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    func schedule(_ jobId: String) {
        guard waiting.withLock({ $0.insert(jobId).inserted }) else { return }
        Task {
            defer { _ = waiting.withLock { $0.remove(jobId) } }
            var delay = Duration.seconds(1)
            while !Task.isCancelled {
                try? await clock.sleep(for: delay)
                delay = min(delay * 2, .seconds(60))
                guard let control = control.withLock({ $0 }) else { return }
                do throws(StoreError) {
                    try await store.checkWritable()
                    guard let watch = try await store.watch(jobId), watch.active else { return }
                    logger.notice("job \(jobId): the state store takes writes again; watching it again")
                    control.add(jobId: jobId, labels: watch.labels, budget: nil, query: watch.query)
                    return
                } catch {
                    continue
                }
            }
        }
    }
}
