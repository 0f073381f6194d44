import Foundation
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore

extension Watcher {
    /// A job's first look: its stored state, the events a previous run stored but may not have
    /// written out, and whether it already ended.
    func begin(_ request: WatchRequest) async -> JobStep {
        let jobId = request.jobId
        do throws(StoreError) {
            let stored = try await store.job(jobId)
            var jobLabels = stored?.labels ?? [:]
            jobLabels.merge(request.labels) { _, new in new }
            let pending = try await store.pendingEvents(jobId: jobId)
            if !pending.isEmpty {
                guard await sink.emit(pending) else { return .done(jobId: jobId, .interrupted) }
                try await store.markEmitted(pending.map(\.id))
            }
            var job = JobWatch(
                jobId: jobId, state: stored?.state, throttle: stored?.throttle ?? ThrottleState(), labels: jobLabels,
                pollAt: clock.uptime())
            job.budget = request.budget ?? stored?.state.budget ?? settings.budget
            job.query = request.query
            if let snapshot = stored?.state.snapshot, snapshot.status.isTerminal, stored?.state.terminalAnnounced == true {
                logger.info("job \(jobId) already ended as \(snapshot.status) (from the state file)")
                if sink.followsProgress { await sink.observed(snapshot) }
                // It ended before its list was exported (a crash or Ctrl-C during the export).
                guard try await reportResults(&job) else { return .done(jobId: jobId, .interrupted) }
                return .done(jobId: jobId, WatchOutcome(terminal: snapshot.status))
            }
            return .next(job)
        } catch {
            return .failed(jobId: jobId, error)
        }
    }

    /// One look at a job: a poll when it is due, else the release of events a throttle held
    /// back whose window has closed.
    func turn(_ job: JobWatch) async -> JobStep {
        var job = job
        do throws(StoreError) {
            // The scheduler starts jobs due within a few milliseconds together: such a job is due.
            if clock.uptime() + coalescing < job.pollAt {
                try await flush(&job)
                return .next(job)
            }
            if let outcome = try await poll(&job) { return .done(jobId: job.jobId, outcome) }
            job.flushAt = flushTime(job)
            return .next(job)
        } catch {
            return .failed(jobId: job.jobId, error)
        }
    }

    /// Queues the held-back events whose throttle windows have closed; sets when to look again.
    private func flush(_ job: inout JobWatch) async throws(StoreError) {
        job.flushAt = nil
        guard let router, let state = job.state else { return }
        while let due = router.nextFlush(job.throttle), due <= clock.now().addingTimeInterval(coalescing.seconds) {
            let flushed = router.flush(job.throttle, now: max(clock.now(), due))
            guard !flushed.deliveries.isEmpty else { return }
            for error in flushed.errors { logger.error("job \(job.jobId): \(error)") }
            _ = try await store.commit(
                jobId: job.jobId, state: state, labels: job.labels, events: [], deliveries: [], flushed: flushed.deliveries,
                throttle: flushed.throttle, at: clock.now())
            job.throttle = flushed.throttle
            deliveriesQueued()
        }
        job.flushAt = flushTime(job)
    }

    /// When the next throttle window holding an event closes, if that comes before the next poll.
    private func flushTime(_ job: JobWatch) -> Duration? {
        guard let router, job.state != nil, let due = router.nextFlush(job.throttle) else { return nil }
        let untilDue = Duration.milliseconds(Int64((due.timeIntervalSince(clock.now()) * 1000).rounded(.up)))
        let at = clock.uptime() + max(.zero, untilDue)
        return at < job.pollAt ? at : nil
    }

    /// Polls once and records what changed; returns the job's outcome when it ended, else sets
    /// when the next poll is due.
    private func poll(_ job: inout JobWatch) async throws(StoreError) -> WatchOutcome? {
        if Task.isCancelled { return .interrupted }
        let jobId = job.jobId
        // Read once: one poll sees one configuration, and takes the policy's lock once.
        let settings = self.settings
        let delay: Duration
        do {
            var warnings: [String] = []
            let started = clock.uptime()
            let polled: JobSnapshot
            do {
                polled = try await client.pollSnapshot(
                    jobId: jobId, warnings: &warnings, topRows: settings.topRows,
                    sourceQuery: job.readsQuery)
                onPoll(.ok, clock.uptime() - started)
            } catch {
                if error != .transport(.cancelled) { onPoll(PollResult(error), clock.uptime() - started) }
                throw error
            }
            let snapshot = redactor.redact(polled)
            if snapshot.jobId != jobId {
                throw OpenFunnelError.invalidResponse("asked for job \(jobId), the response is for \(snapshot.jobId)")
            }
            // One page with rows says it, or nothing will: the rows are read for it once (the
            // client reads them when `processed` is above 0 or missing).
            if (snapshot.processed ?? 1) > 0 { job.queryLooked = true }
            logger.trace("job \(jobId): polled, \(snapshot.status.rawValue)")
            job.failures = 0
            job.faultsSince = nil
            job.notFoundSince = nil

            var previous = job.state
            previous?.budget = job.budget
            var result = Differ.diff(
                previous: previous, current: snapshot, at: clock.now(), settings: settings.diff, labels: job.labels,
                query: job.query)
            result.state.budget = job.budget
            if job.budget != nil { await applyBudget(&result, snapshot: snapshot, labels: job.labels) }
            if job.warned.count > 256 { job.warned.removeAll() }
            for warning in warnings + result.warnings where job.warned.insert(warning).inserted { logger.warning("\(warning)") }
            if result.state != job.state {
                let written = try await record(jobId: jobId, result: result, labels: job.labels, throttle: &job.throttle)
                job.state = result.state
                guard written else { return .interrupted }
            }
            if sink.followsProgress { await sink.observed(snapshot) }
            if snapshot.status.isTerminal {
                guard try await reportResults(&job) else { return .interrupted }
                return WatchOutcome(terminal: snapshot.status)
            }
            job.unchangedPolls = result.events.isEmpty ? job.unchangedPolls + 1 : 0
            delay = settings.schedule.afterSuccess(status: snapshot.status, unchangedPolls: job.unchangedPolls)
        } catch let error as OpenFunnelError {
            if case .transport(.cancelled) = error { return .interrupted }
            let now = clock.uptime()
            switch error {
            case .unauthorized(let status, _):
                return try await giveUp(&job, kind: "unauthorized", status: status, error: error)
            case .notFound:
                let since = job.notFoundSince ?? now
                if job.notFoundSince == nil {
                    logger.info("job \(jobId): not found yet (HTTP 404); retrying for up to \(DurationText.format(settings.notFoundGrace))")
                }
                job.notFoundSince = since
                if now - since >= settings.notFoundGrace {
                    return try await giveUp(&job, kind: "not_found", status: 404, error: error)
                }
                job.failures += 1
                // The last look is when the grace ends, not a backoff step past it.
                delay = min(
                    settings.schedule.afterFailure(failures: job.failures, retryAfter: nil, jitter: jitter()),
                    since + settings.notFoundGrace - now)
            case _ where error.isTransient:
                let since = job.faultsSince ?? now
                job.faultsSince = since
                job.failures += 1
                if now - since >= settings.giveUpAfter {
                    return try await giveUp(
                        &job, kind: Self.kind(of: error), status: error.httpStatus, error: error,
                        extra: " for \(DurationText.format(settings.giveUpAfter))")
                }
                delay = settings.schedule.afterFailure(failures: job.failures, retryAfter: error.retryAfter, jitter: jitter())
                logger.warning("job \(jobId): \(error); retrying in \(DurationText.format(delay)) (fault \(job.failures) in a row)")
            default:
                return try await giveUp(&job, kind: "rejected", status: error.httpStatus, error: error)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            return .interrupted
        }
        if Task.isCancelled { return .interrupted }
        job.pollAt = clock.uptime() + delay
        return nil
    }

    /// Stores the observation; returns false when its events could not be written out.
    @discardableResult
    func record(jobId: String, result: DiffResult, labels: [String: String], throttle: inout ThrottleState) async throws(StoreError)
        -> Bool
    {
        var deliveries: [Delivery] = []
        var flushed: [Delivery] = []
        var newThrottle: ThrottleState?
        if let router, !result.events.isEmpty {
            let routed = router.route(result.events, throttle: throttle)
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
        guard let last = inserted.last else { return true }
        logger.debug("job \(jobId): \(inserted.count) event(s) stored, up to sequence \(last.sequence)")
        guard await sink.emit(inserted) else { return false }
        try await store.markEmitted(inserted.map(\.id))
        return true
    }

    private func giveUp(_ job: inout JobWatch, kind: String, status: Int?, error: OpenFunnelError, extra: String = "")
        async throws(StoreError) -> WatchOutcome
    {
        let message = redactor.redact("\(error)\(extra)")
        logger.error("job \(job.jobId): cannot be watched: \(message)")
        let result = Differ.watchError(
            previous: job.state, jobId: job.jobId, kind: kind, httpStatus: status,
            message: message, at: clock.now(), labels: job.labels, query: job.query)
        try await record(jobId: job.jobId, result: result, labels: job.labels, throttle: &job.throttle)
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
