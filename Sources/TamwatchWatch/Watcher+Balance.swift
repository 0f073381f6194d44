import Foundation
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore

extension Watcher {
    /// The account's events are kept under this job id (their envelope's `job_id` is null).
    static let accountKey = ""

    /// Reads the account's credit balance every `interval` while `active` says builds are
    /// watched, and emits `account.credits_low` when `credits_left` drops below `threshold`:
    /// once, and again only after it has recovered. Runs until cancelled; a failed read is
    /// logged and tried again at the next turn.
    public func watchBalance(
        threshold: Double, every interval: Duration = .seconds(60), active: @escaping @Sendable () -> Bool = { true }
    ) async throws(StoreError) {
        while !Task.isCancelled {
            if active() { try await checkBalance(threshold: threshold) }
            do { try await clock.sleep(for: interval) } catch { return }
        }
    }

    /// One look at the balance; returns the event it stored, if any.
    @discardableResult
    public func checkBalance(threshold: Double) async throws(StoreError) -> Event? {
        let balance: CreditBalance
        do { balance = try await client.creditBalance() } catch {
            if error != .transport(.cancelled) { logger.warning("could not read the credit balance: \(redactor.redact("\(error)"))") }
            return nil
        }
        guard let left = balance.creditsLeft else {
            logger.warning("the credit balance has no credits_left")
            return nil
        }
        let stored = try await store.job(Self.accountKey)
        var state = stored?.state ?? WatchState(lastProgressAt: clock.now())
        let low = left < threshold
        guard low != state.creditsLow else { return nil }
        state.creditsLow = low
        guard low else {
            // Recovered: the next drop is news again.
            _ = try await store.commit(
                jobId: Self.accountKey, state: state, labels: [:], events: [], deliveries: [], flushed: [], throttle: nil, at: clock.now())
            return nil
        }
        state.sequence += 1
        state.creditEvents += 1
        let event = Event(
            id: Event.makeID(jobId: Self.accountKey, type: .creditsLow, key: "low:\(state.creditEvents)"), type: .creditsLow,
            jobId: Self.accountKey, sequence: state.sequence, occurredAt: clock.now(),
            data: .object([
                ("credits_left", .number(left)), ("credits_used", .optional(balance.creditsUsed)),
                ("total_credits", .optional(balance.totalCredits)), ("threshold", .number(threshold)),
            ]),
            job: .null, labels: [:])
        func text(_ n: Double) -> String { n.rounded() == n && abs(n) < 1e15 ? String(Int(n)) : String(n) }
        logger.warning("the account has \(text(left)) credits left, below guard.min_balance \(text(threshold))")
        var throttle = stored?.throttle ?? ThrottleState()
        try await record(jobId: Self.accountKey, result: DiffResult(state: state, events: [event]), labels: [:], throttle: &throttle)
        return event
    }
}
