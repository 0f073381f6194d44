import Synchronization
import TamwatchModel
import TamwatchStore

/// Tells a running watcher (`Watcher.run(control:)`) to start or stop watching jobs, and hears
/// how each watch ended. `tamwatch serve` registers builds through it while polls go on.
public final class WatchControl: Sendable {
    /// One request, kept in the order it came: "add, then stop" and "stop, then add" differ.
    enum Change: Sendable {
        case add(WatchRequest)
        case stop(String)
    }

    private let changes = Mutex<[Change]>([])
    /// The scheduler sleeps on this; a change wakes it.
    let wake = WakeSignal()
    /// A job's watch ended: terminal, unwatchable, stopped (`.interrupted`), or its state
    /// could not be stored (the error).
    let ended: @Sendable (String, Result<WatchOutcome, StoreError>) async -> Void

    public init(ended: @escaping @Sendable (String, Result<WatchOutcome, StoreError>) async -> Void = { _, _ in }) {
        self.ended = ended
    }

    /// Watches the job (again, if it was stopped); a job already watched is left as it is.
    public func add(jobId: String, labels: [String: String] = [:], budget: CreditBudget? = nil, query: String? = nil) {
        changes.withLock { $0.append(.add(WatchRequest(jobId: jobId, labels: labels, budget: budget, query: query))) }
        wake.signal()
    }

    /// Stops polling the job; its last commit, if one is in flight, finishes first.
    public func stop(jobId: String) {
        changes.withLock { $0.append(.stop(jobId)) }
        wake.signal()
    }

    /// The changes since the last look, in order.
    func take() -> [Change] {
        changes.withLock { c in
            defer { c.removeAll() }
            return c
        }
    }
}
