import Synchronization
import TamwatchModel
import TamwatchStore

/// Tells a running watcher (`Watcher.run(control:)`) to start or stop watching jobs, and hears
/// how each watch ended. `tamwatch serve` registers builds through it while polls go on.
public final class WatchControl: Sendable {
    private struct State {
        var adds: [WatchRequest] = []
        var stops: [String] = []
    }

    private let state = Mutex(State())
    /// The scheduler sleeps on this; a change wakes it.
    let wake = WakeSignal()
    /// A job's watch ended: terminal, unwatchable, stopped (`.interrupted`), or its state
    /// could not be stored (the error).
    let ended: @Sendable (String, Result<WatchOutcome, StoreError>) async -> Void

    public init(ended: @escaping @Sendable (String, Result<WatchOutcome, StoreError>) async -> Void = { _, _ in }) {
        self.ended = ended
    }

    /// Watches the job (again, if it was stopped); a job already watched is left as it is.
    public func add(jobId: String, labels: [String: String] = [:], budget: CreditBudget? = nil) {
        state.withLock { $0.adds.append(WatchRequest(jobId: jobId, labels: labels, budget: budget)) }
        wake.signal()
    }

    /// Stops polling the job; its last commit, if one is in flight, finishes first.
    public func stop(jobId: String) {
        state.withLock { $0.stops.append(jobId) }
        wake.signal()
    }

    func take() -> (adds: [WatchRequest], stops: [String]) {
        state.withLock { s in
            defer {
                s.adds.removeAll()
                s.stops.removeAll()
            }
            return (s.adds, s.stops)
        }
    }
}
