import Foundation
import Logging
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchRules
import TamwatchStore

/// Polls many jobs at once over one transport, each on its own schedule, and turns what it
/// sees into stored events. One task per job; all share the client, store and sink.
public struct Watcher: Sendable {
    public var client: OpenFunnelClient
    public var store: any EventLog
    public var sink: any EventSink
    public var settings: WatchSettings
    public var clock: any WatchClock
    public var logger: Logger
    /// A draw in 0...1 for backoff jitter; injectable so tests are repeatable.
    public var jitter: @Sendable () -> Double
    /// Turns events into deliveries, queued in the same transaction as the events.
    public var rules: RuleEngine?
    /// Called after deliveries were queued (wakes the dispatcher).
    public var deliveriesQueued: @Sendable () -> Void = {}
    /// Masks configured secrets in the API's text before it becomes an event.
    public var redactor = Redactor()

    public init(
        client: OpenFunnelClient, store: any EventLog, sink: any EventSink, settings: WatchSettings,
        clock: any WatchClock = SystemClock(), logger: Logger = Logger(label: "tamwatch"),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.client = client
        self.store = store
        self.sink = sink
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.jitter = jitter
    }

    /// Watches every job until it is terminal or cannot be watched; returns each job's outcome.
    public func watch(jobs: [String], labels: [String: String] = [:]) async throws(StoreError) -> [String: WatchOutcome] {
        let finished = await withTaskGroup(of: JobResult.self) { group in
            for job in Set(jobs) {
                group.addTask {
                    do throws(StoreError) {
                        return JobResult(job: job, outcome: try await self.watch(job: job, labels: labels), error: nil)
                    } catch {
                        return JobResult(job: job, outcome: nil, error: error)
                    }
                }
            }
            var out: [JobResult] = []
            for await result in group { out.append(result) }
            return out
        }
        var outcomes: [String: WatchOutcome] = [:]
        for result in finished {
            if let error = result.error { throw error }
            outcomes[result.job] = result.outcome ?? .interrupted
        }
        return outcomes
    }

    private struct JobResult: Sendable {
        var job: String
        var outcome: WatchOutcome?
        var error: StoreError?
    }

    /// Watches one job to its end.
    public func watch(job jobId: String, labels: [String: String] = [:]) async throws(StoreError) -> WatchOutcome {
        let stored = try await store.job(jobId)
        var state = stored?.state
        var throttle = stored?.throttle ?? ThrottleState()
        var jobLabels = stored?.labels ?? [:]
        jobLabels.merge(labels) { _, new in new }

        // Events a previous run stored but may not have written out.
        let pending = try await store.pendingEvents(jobId: jobId)
        if !pending.isEmpty {
            guard await sink.emit(pending) else { return .interrupted }
            try await store.markEmitted(pending.map(\.id))
        }
        if let snapshot = state?.snapshot, snapshot.status.isTerminal, state?.terminalAnnounced == true {
            logger.info("job \(jobId) already ended as \(snapshot.status) (from the state file)")
            if sink.followsProgress { await sink.observed(snapshot) }
            return WatchOutcome(terminal: snapshot.status)
        }

        var unchangedPolls = 0
        var failures = 0
        // Intervals on the monotonic clock: a wall clock set back cannot stretch the budgets.
        var faultsSince: Duration?
        var notFoundSince: Duration?
        // Implausible values are logged once each, not on every poll that repeats them.
        var warned = Set<String>()

        while true {
            if Task.isCancelled { return .interrupted }
            let delay: Duration
            do {
                var warnings: [String] = []
                let snapshot = redactor.redact(try await client.pollSnapshot(jobId: jobId, warnings: &warnings))
                if snapshot.jobId != jobId {
                    throw OpenFunnelError.invalidResponse("asked for job \(jobId), the response is for \(snapshot.jobId)")
                }
                failures = 0
                faultsSince = nil
                notFoundSince = nil

                let result = Differ.diff(previous: state, current: snapshot, at: clock.now(), settings: settings.diff, labels: jobLabels)
                if warned.count > 256 { warned.removeAll() }
                for warning in warnings + result.warnings where warned.insert(warning).inserted { logger.warning("\(warning)") }
                if result.state != state {
                    let written = try await record(jobId: jobId, result: result, labels: jobLabels, throttle: &throttle)
                    state = result.state
                    guard written else { return .interrupted }
                }
                if sink.followsProgress { await sink.observed(snapshot) }
                if snapshot.status.isTerminal { return WatchOutcome(terminal: snapshot.status) }
                unchangedPolls = result.events.isEmpty ? unchangedPolls + 1 : 0
                delay = settings.schedule.afterSuccess(status: snapshot.status, unchangedPolls: unchangedPolls)
            } catch let error as OpenFunnelError {
                if case .transport(.cancelled) = error { return .interrupted }
                let now = clock.uptime()
                switch error {
                case .unauthorized(let status, _):
                    return try await giveUp(
                        jobId, state, throttle: &throttle, kind: "unauthorized", status: status, error: error, labels: jobLabels)
                case .notFound:
                    let since = notFoundSince ?? now
                    notFoundSince = since
                    if now - since >= settings.notFoundGrace {
                        return try await giveUp(
                            jobId, state, throttle: &throttle, kind: "not_found", status: 404, error: error, labels: jobLabels)
                    }
                    failures += 1
                    logger.info("job \(jobId): not found yet (HTTP 404); retrying for up to \(DurationText.format(settings.notFoundGrace))")
                    delay = settings.schedule.afterFailure(failures: failures, retryAfter: nil, jitter: jitter())
                case _ where error.isTransient:
                    let since = faultsSince ?? now
                    faultsSince = since
                    failures += 1
                    if now - since >= settings.giveUpAfter {
                        return try await giveUp(
                            jobId, state, throttle: &throttle, kind: Self.kind(of: error), status: error.httpStatus, error: error,
                            labels: jobLabels, extra: " for \(DurationText.format(settings.giveUpAfter))")
                    }
                    delay = settings.schedule.afterFailure(failures: failures, retryAfter: error.retryAfter, jitter: jitter())
                    logger.warning("job \(jobId): \(error); retrying in \(DurationText.format(delay)) (fault \(failures) in a row)")
                default:
                    return try await giveUp(
                        jobId, state, throttle: &throttle, kind: "rejected", status: error.httpStatus, error: error, labels: jobLabels)
                }
            } catch let error as StoreError {
                throw error
            } catch {
                return .interrupted
            }
            do { try await sleep(delay, jobId: jobId, state: state, labels: jobLabels, throttle: &throttle) } catch let error as StoreError
            {
                throw error
            } catch { return .interrupted }
        }
    }

    /// Sleeps until the next poll, waking on the way whenever a throttle window holding an event
    /// closes, to queue that event then rather than at the next event that happens to come.
    private func sleep(
        _ delay: Duration, jobId: String, state: WatchState?, labels: [String: String],
        throttle: inout ThrottleState
    ) async throws {
        var remaining = delay
        while let rules, let state, let due = rules.nextFlush(throttle) {
            let untilDue = Duration.milliseconds(Int64((due.timeIntervalSince(clock.now()) * 1000).rounded(.up)))
            if untilDue >= remaining { break }
            if untilDue > .zero {
                try await clock.sleep(for: untilDue)
                remaining -= untilDue
            }
            let flushed = rules.flush(throttle, now: clock.now())
            guard !flushed.deliveries.isEmpty else { break }
            for error in flushed.errors { logger.error("job \(jobId): \(error)") }
            _ = try await store.commit(
                jobId: jobId, state: state, labels: labels, events: [], deliveries: [], flushed: flushed.deliveries,
                throttle: flushed.throttle, at: clock.now())
            throttle = flushed.throttle
            deliveriesQueued()
        }
        try await clock.sleep(for: remaining)
    }

    /// Stores the observation; returns false when its events could not be written out.
    @discardableResult
    private func record(
        jobId: String, result: DiffResult, labels: [String: String],
        throttle: inout ThrottleState
    ) async throws(StoreError) -> Bool {
        var deliveries: [Delivery] = []
        var flushed: [Delivery] = []
        var newThrottle: ThrottleState?
        if let rules, !result.events.isEmpty {
            let routed = rules.route(result.events, throttle: throttle)
            deliveries = routed.deliveries
            flushed = routed.flushed
            newThrottle = routed.throttle
            for error in routed.errors { logger.error("job \(jobId): \(error)") }
        }
        let inserted = try await store.commit(
            jobId: jobId, state: result.state, labels: labels, events: result.events,
            deliveries: deliveries, flushed: flushed, throttle: newThrottle, at: clock.now())
        if let newThrottle { throttle = newThrottle }
        if (!deliveries.isEmpty && !inserted.isEmpty) || !flushed.isEmpty { deliveriesQueued() }
        guard !inserted.isEmpty else { return true }
        guard await sink.emit(inserted) else { return false }
        try await store.markEmitted(inserted.map(\.id))
        return true
    }

    private func giveUp(
        _ jobId: String, _ state: WatchState?, throttle: inout ThrottleState, kind: String, status: Int?, error: OpenFunnelError,
        labels: [String: String], extra: String = ""
    ) async throws(StoreError) -> WatchOutcome {
        let message = redactor.redact("\(error)\(extra)")
        logger.error("job \(jobId): cannot be watched: \(message)")
        let result = Differ.watchError(
            previous: state, jobId: jobId, kind: kind, httpStatus: status,
            message: message, at: clock.now(), labels: labels)
        try await record(jobId: jobId, result: result, labels: labels, throttle: &throttle)
        return .unwatchable(kind: kind)
    }

    static func kind(of error: OpenFunnelError) -> String {
        switch error {
        case .transport: return "unreachable"
        case .invalidResponse: return "invalid_response"
        case .rateLimited: return "rate_limited"
        default: return "server_error"
        }
    }
}
