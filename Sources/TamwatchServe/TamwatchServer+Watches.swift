import Foundation
import HTTPTypes
import Hummingbird
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore

extension TamwatchServer {
    func registerWatch(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (fields, problems) = WatchBody.read(try await JSONBody.object(request, context: context), required: "job_id")
        guard let jobId = fields.main, problems.isEmpty else { throw Problem.invalid(problems) }
        if try await store.watch(jobId)?.active != true {
            try await checkCapacity()
            try await probe(jobId)
        }
        return try await register(jobId, fields)
    }

    /// Past `serve.max_watches` active watches, a new one is a 429.
    func checkCapacity() async throws {
        let active = try await store.activeWatchCount()
        guard active < options.maxWatches else {
            var problem = Problem(
                .tooManyRequests, "Too many watches",
                detail: "\(active) watches are active, the most serve.max_watches allows; stop one or wait for a build to finish")
            problem.headers[.retryAfter] = "60"
            throw problem
        }
    }

    /// Polls a job once before it is watched, for a few seconds at most: a job OpenFunnel does
    /// not know is refused (404, naming `job_id`; a short id is told to use the whole one); an
    /// API that does not answer in time, or fails, leaves the watch to the watcher, which retries.
    func probe(_ jobId: String) async throws {
        enum Outcome: Sendable { case known, failed(OpenFunnelError), slow }
        let client = self.client
        let outcome = await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do throws(OpenFunnelError) { _ = try await client.poll(jobId: jobId) } catch { return .failed(error) }
                return .known
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(3))
                return .slow
            }
            let first = await group.next() ?? .slow
            group.cancelAll()
            return first
        }
        switch outcome {
        case .known: return
        case .slow:
            logger.info("job \(jobId): OpenFunnel did not answer within 3 s; watching it anyway")
            return
        case .failed(.notFound): break
        case .failed(let error):
            logger.info("job \(jobId): could not be checked with OpenFunnel before watching (\(error)); watching it anyway")
            return
        }
        var message = "OpenFunnel has no build with this id"
        if jobId.count <= 8 { message += " (the status page shows the first 8 characters of an id; use the whole id)" }
        var problem = Problem.notFound("job_id: \(message)")
        problem.errors = [.init("job_id", message)]
        throw problem
    }

    /// A watch's own credit budget (`max_credits`, `guard_action`) on the configured guard.
    func budget(_ watch: WatchRecord) -> CreditBudget? { budget(maxCredits: watch.maxCredits, guardAction: watch.guardAction) }

    func budget(maxCredits: Int?, guardAction: String?) -> CreditBudget? {
        guard maxCredits != nil || guardAction != nil else { return nil }
        return watcher.settings.creditGuard.budget(maxCredits: maxCredits, action: guardAction.flatMap(CreditBudget.Action.init(rawValue:)))
    }

    private func register(_ jobId: String, _ fields: WatchBody, query: String? = nil) async throws -> Response {
        let (watch, created) = try await store.register(
            jobId: jobId, labels: fields.labels, maxCredits: fields.maxCredits, guardAction: fields.guardAction, query: query,
            at: clock.now())
        board.registered(watch)
        if watch.active {
            // With replicas the watch is polled by the one that takes its lease: this one, when
            // it can (else another at its next turn).
            if let shared = options.shared {
                if try await shared.take(jobId) != nil {
                    control.add(jobId: jobId, labels: watch.labels, budget: budget(watch), query: watch.query)
                }
            } else {
                control.add(jobId: jobId, labels: watch.labels, budget: budget(watch), query: watch.query)
            }
        }
        if created { logger.info("watching job \(jobId) (registered through the API)") }
        var response = JSONBody.response(WatchJSON.watch(watch, lastPolledAt: board.lastPolledAt(jobId)), status: created ? .created : .ok)
        response.headers[.location] = "/api/v1/watches/\(jobId)"
        return response
    }

    func submitBuild(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (fields, problems) = WatchBody.read(try await JSONBody.object(request, context: context), required: "query")
        guard let query = fields.main, problems.isEmpty else { throw Problem.invalid(problems) }
        // Before any credit is spent: a build that could not be watched is not started (too
        // many watches, or a state that cannot take a write: a 503).
        try await checkCapacity()
        try await store.checkWritable()
        let answer: JobActionResponse
        do { answer = try await client.submit(query: query) } catch { throw Self.upstream(error, what: "submitting the build") }
        logger.info("submitted a build to OpenFunnel: job \(answer.jobId)")
        var response = try await register(answer.jobId, fields, query: query)
        response.status = .created
        return response
    }

    func listWatches(_ request: Request) async throws -> Response {
        let q = ListQuery(request: request)
        let limit = try q.limit()
        var query = WatchQuery(status: q.string("status"), labels: try q.labels(), active: try q.bool("active"), before: try q.cursor())
        query.limit = limit + 1
        let rows = try await store.watches(query)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { Cursor.encode($0.cursor) } : nil
        return JSONBody.page(page.map { WatchJSON.watch($0, lastPolledAt: board.lastPolledAt($0.jobId)) }, next: next)
    }

    /// The `{job_id}` of the path: one that breaks the rule cannot be watched here (404).
    static func pathJobId(_ context: some RequestContext) throws -> String {
        let jobId = try context.parameters.require("job_id")
        if let problem = JobID.problem(jobId) { throw Problem.notFound("no watch has this id: \(problem)") }
        return jobId
    }

    func existingWatch(_ context: some RequestContext) async throws -> WatchRecord {
        let jobId = try Self.pathJobId(context)
        guard let watch = try await store.watch(jobId) else { throw Problem.notFound("job \(jobId) is not watched here") }
        return watch
    }

    func getWatch(_ context: some RequestContext) async throws -> Response {
        let watch = try await existingWatch(context)
        return JSONBody.response(WatchJSON.watch(watch, lastPolledAt: board.lastPolledAt(watch.jobId)))
    }

    func stopWatch(_ context: some RequestContext) async throws -> Response {
        let jobId = try Self.pathJobId(context)
        guard let watch = try await store.stopWatch(jobId: jobId, at: clock.now()) else {
            throw Problem.notFound("job \(jobId) is not watched here")
        }
        control.stop(jobId: jobId)
        logger.info("stopped watching job \(jobId) (through the API)")
        return JSONBody.response(WatchJSON.watch(watch, lastPolledAt: board.lastPolledAt(jobId)))
    }

    /// `DELETE`: stops watching and forgets the watch (404 from then on); the job's events and
    /// deliveries stay until `state.retention` prunes them.
    func deleteWatch(_ context: some RequestContext) async throws -> Response {
        let jobId = try Self.pathJobId(context)
        guard try await store.forgetWatch(jobId: jobId) else { throw Problem.notFound("job \(jobId) is not watched here") }
        control.stop(jobId: jobId)
        board.forget(jobId)
        logger.info("deleted the watch of job \(jobId) (through the API)")
        return Response(status: .noContent)
    }

    func act(_ action: JobAction, _ context: some RequestContext) async throws -> Response {
        let watch = try await existingWatch(context)
        let answer: JobActionResponse
        do {
            switch action {
            case .cancel: answer = try await client.cancel(jobId: watch.jobId)
            case .pause: answer = try await client.pause(jobId: watch.jobId)
            case .resume: answer = try await client.resume(jobId: watch.jobId)
            }
        } catch {
            throw Self.upstream(error, what: "asking OpenFunnel to \(action.rawValue) job \(watch.jobId)")
        }
        logger.info("asked OpenFunnel to \(action.rawValue) job \(watch.jobId): \(answer.status)")
        return JSONBody.response(
            .object([("job_id", .string(answer.jobId)), ("status", .string(answer.status.rawValue)), ("message", .string(answer.message))]),
            status: .accepted)
    }

    func watchEvents(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let watch = try await existingWatch(context)
        let q = ListQuery(request: request)
        let limit = try q.limit()
        var after = try q.after()
        if let cursor = try q.cursor() { after = Int(cursor) }
        let events = try await store.events(jobId: watch.jobId, afterSequence: after, limit: limit + 1)
        let page = Array(events.prefix(limit))
        let next = events.count > limit ? page.last.map { Cursor.encode(Int64($0.sequence)) } : nil
        return JSONBody.page(page.map(\.json), next: next)
    }

    /// An OpenFunnel failure as the API's answer: its 409 and 404 pass through, the rest are a 502
    /// that says what OpenFunnel said (never the key).
    static func upstream(_ error: OpenFunnelError, what: String) -> Problem {
        let detail = Redaction.redact("\(what): \(error)")
        switch error {
        case .conflict: return Problem(.conflict, "Conflict", detail: detail)
        case .notFound: return Problem(.notFound, "Not found", detail: detail)
        case .validation(_, let message):
            return Problem.invalid([.init("query", Redaction.redact(message.isEmpty ? "rejected by OpenFunnel" : message))])
        default: return Problem(.badGateway, "OpenFunnel request failed", detail: detail)
        }
    }
}
