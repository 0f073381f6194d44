import Foundation
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore

extension Watcher {
    /// The credit guard, after a diff: `job.budget_warning` once `processed` reaches the
    /// warning share of the budget, and `job.budget_exceeded` once it reaches the budget, when
    /// the guard also pauses or cancels the build (once; OpenFunnel's answer or the error goes
    /// into the event). Both come before the observation's `job.terminal`, if it has one.
    func applyBudget(_ result: inout DiffResult, snapshot: JobSnapshot, labels: [String: String]) async {
        guard let budget = result.state.budget, let processed = snapshot.processed else { return }
        var extra: [(EventType, [(String, JSONValue)])] = []
        let spent: [(String, JSONValue)] = [("processed", .int(Int64(processed))), ("max_credits", .int(Int64(budget.maxCredits)))]
        if !result.state.budgetWarned, processed >= budget.warnThreshold {
            result.state.budgetWarned = true
            extra.append((.budgetWarning, spent))
            logger.warning("job \(snapshot.jobId): \(processed) of its \(budget.maxCredits)-credit budget spent")
        }
        if !result.state.budgetExceeded, processed >= budget.maxCredits {
            result.state.budgetExceeded = true
            let outcome = await act(budget.action, on: snapshot)
            extra.append((.budgetExceeded, spent + [("action", .string(budget.action.rawValue)), ("action_result", outcome)]))
        }
        guard !extra.isEmpty else { return }
        // Numbered in place: the observation's own events, the guard's, then the terminal event.
        let base = (result.events.first?.sequence ?? result.state.sequence + 1)
        let job = result.events.first?.job ?? Event.jobSummary(snapshot)
        let guardEvents = extra.map { type, data in
            Event(
                id: Event.makeID(jobId: snapshot.jobId, type: type, key: type.rawValue), type: type, jobId: snapshot.jobId,
                sequence: 0, occurredAt: clock.now(), data: Event.data(data, query: result.state.query), job: job,
                labels: labels)
        }
        var events = result.events.filter { $0.type != .terminal }
        events += guardEvents
        events += result.events.filter { $0.type == .terminal }
        for i in events.indices { events[i].sequence = base + i }
        result.events = events
        result.state.sequence = base + events.count - 1
    }

    /// Pauses or cancels the build through OpenFunnel; the answer as `action_result`.
    private func act(_ action: CreditBudget.Action, on snapshot: JobSnapshot) async -> JSONValue {
        let jobId = snapshot.jobId
        func result(_ status: String, _ http: Int?, _ message: String) -> JSONValue {
            .object([("status", .string(status)), ("http_status", .optional(http)), ("message", .string(message))])
        }
        guard action != .notify else {
            logger.warning("job \(jobId): spent its credit budget; the guard only notifies")
            return .null
        }
        guard !snapshot.status.isTerminal else {
            return result("skipped", nil, "the build had already ended (\(snapshot.status.rawValue))")
        }
        do {
            let answer = action == .pause ? try await client.pause(jobId: jobId) : try await client.cancel(jobId: jobId)
            logger.warning("job \(jobId): spent its credit budget; asked OpenFunnel to \(action.rawValue) it: \(answer.status.rawValue)")
            return result(answer.status.rawValue, answer.httpStatus, redactor.redact(answer.message))
        } catch {
            let message = redactor.redact("\(error)")
            logger.error("job \(jobId): spent its credit budget; could not \(action.rawValue) it: \(message)")
            return result("error", error.httpStatus, message)
        }
    }

    /// `job.results_ready` for a completed build when `results:` is configured: its list is
    /// exported first. False when the event could not be written out, or the export was cut
    /// short (it carries on at the next start).
    func reportResults(_ job: inout JobWatch) async throws(StoreError) -> Bool {
        guard let exportResults, var state = job.state, state.snapshot?.status == .completed, !state.resultsReported else { return true }
        let results = await exportResults(job.jobId)
        if Task.isCancelled { return false }
        state.sequence += 1
        state.resultsReported = true
        let event = Event(
            id: Event.makeID(jobId: job.jobId, type: .resultsReady, key: "results"), type: .resultsReady, jobId: job.jobId,
            sequence: state.sequence, occurredAt: clock.now(), data: Event.data([("results", results)], query: state.query),
            job: Event.jobSummary(state.snapshot), labels: job.labels)
        let written = try await record(
            jobId: job.jobId, result: DiffResult(state: state, events: [event]), labels: job.labels, throttle: &job.throttle)
        job.state = state
        return written
    }
}
