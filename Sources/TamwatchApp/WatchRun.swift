import TamwatchConfig
import TamwatchDelivery
import TamwatchModel
import TamwatchStore
import TamwatchWatch

/// What a watch ended with: each job's outcome, or the state file's failure.
public struct WatchRun: Sendable {
    public var outcomes: [String: WatchOutcome]
    public var error: StoreError?
    /// Deliveries of these jobs still pending after the drain.
    public var leftover: PendingSummary?
    /// Stopped by a signal (or a closed stdout), possibly while deliveries were settling.
    public var interrupted = false

    public init(outcomes: [String: WatchOutcome] = [:], error: StoreError? = nil, interrupted: Bool = false) {
        self.outcomes = outcomes
        self.error = error
        self.interrupted = interrupted
    }
}

extension Assembly {
    /// `tamwatch watch`'s work: watches the jobs to their ends (the credit balance looked at
    /// meanwhile), then waits for their deliveries to settle, at most `drainTimeout`. Stopped by
    /// cancellation (a signal), it says so in `interrupted`.
    public func watch(
        jobs: [String], labels: [String: String], budget: CreditBudget?, queries: [String: String] = [:], drainTimeout: Duration
    ) async -> WatchRun {
        var run: WatchRun
        do throws(StoreError) {
            run = WatchRun(
                outcomes: try await watcher.watchWithBalance(jobs: jobs, labels: labels, budget: budget, queries: queries, config: config))
        } catch {
            return WatchRun(error: error)
        }
        if !Task.isCancelled, !config.rules.isEmpty {
            do {
                run.leftover = try await dispatcher.drain(jobIds: jobs, timeout: drainTimeout)
            } catch {
                if !Task.isCancelled { run.error = error }
            }
        }
        // Ctrl-C or SIGTERM while deliveries settle still means interrupted.
        run.interrupted = Task.isCancelled
        return run
    }
}

extension Watcher {
    /// Watches the jobs to their ends while, with `guard.min_balance`, reading the account's
    /// balance once a minute.
    func watchWithBalance(
        jobs: [String], labels: [String: String], budget: CreditBudget?, queries: [String: String], config: TamwatchConfig
    ) async throws(StoreError) -> [String: WatchOutcome] {
        guard let floor = config.guard.minBalance else {
            return try await watch(jobs: jobs, labels: labels, budget: budget, queries: queries)
        }
        let balance = Task { try await watchBalance(threshold: floor) }
        defer { balance.cancel() }
        let outcomes = try await watch(jobs: jobs, labels: labels, budget: budget, queries: queries)
        balance.cancel()
        if case .failure(let error as StoreError) = await balance.result { throw error }
        return outcomes
    }
}
