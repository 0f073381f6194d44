import Foundation
import TamwatchModel

/// The OpenFunnel TAM API, simulated: submit, poll with cursor pages, cancel, pause, resume and
/// the credit balance, with X-API-Key checks. Jobs advance on a clock with a speed factor, or by a
/// fixed step per poll so that a test sees every state whatever the machine's speed.
public actor SimulatorEngine {
    public enum Pace: Sendable, Equatable {
        /// Simulated time follows the clock, multiplied by the scenario's speed and this factor.
        case clock(speed: Double)
        /// Every poll of a job (without a cursor) advances it by this much simulated time first.
        case perPoll(Duration)
    }

    private struct Entry {
        var job: SimulatedJob
        var lastAdvanced: Double
    }

    private let apiKey: String
    private let scenarios: [String: Scenario]
    private let defaultScenario: Scenario
    private let pace: Pace
    private let now: @Sendable () -> Double
    /// The account's allowance; each delivered company spends one credit.
    private let totalCredits: Double
    private var jobs: [String: Entry] = [:]
    /// Serialised pages by job, page and row count: rows never change once written.
    private var pageCache: [String: String] = [:]
    public static let pageSize = 100

    /// - Parameters:
    ///   - now: monotonic seconds; injectable so tests move the clock instead of sleeping.
    public init(
        apiKey: String, scenario: Scenario = .standard, scenarios: [String: Scenario] = [:],
        pace: Pace = .clock(speed: 1), totalCredits: Double = 1_000_000,
        now: @escaping @Sendable () -> Double = SimulatorEngine.monotonicSeconds
    ) {
        self.totalCredits = totalCredits
        self.apiKey = apiKey
        self.defaultScenario = scenario
        self.scenarios = scenarios
        self.pace = pace
        self.now = now
    }

    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Answers one request. `scenarioName` (header `X-Simulator-Scenario` on submit) picks a scenario by name.
    public func handle(
        method: String, path: String, query: [String: String], apiKey key: String?,
        body: [UInt8], scenarioName: String? = nil
    ) -> SimulatorResponse {
        guard let key, !key.isEmpty else { return .detail(401, "Missing X-API-Key header.") }
        guard key == apiKey else { return .detail(401, "Invalid API key.") }
        let parts = path.split(separator: "/").map(String.init)
        switch (method, parts.count) {
        case ("POST", 4) where parts == ["api", "v1", "tam", "build"]:
            return submit(body: body, scenarioName: scenarioName)
        case ("GET", 5) where Array(parts.prefix(4)) == ["api", "v1", "tam", "build"]:
            return poll(jobId: parts[4], cursor: query["cursor"])
        case ("POST", 6) where Array(parts.prefix(4)) == ["api", "v1", "tam", "build"]:
            return act(jobId: parts[4], action: parts[5])
        case ("GET", 4) where parts == ["api", "v1", "credits", "balance"]:
            // One credit per delivered company, across every job of this key.
            for id in Array(jobs.keys) { advanceByClock(id) }
            let used = Double(jobs.values.reduce(0) { $0 + $1.job.processed })
            return .json(
                200,
                .object([
                    ("total_credits", .number(totalCredits)), ("credits_used", .number(used)),
                    ("credits_left", .number(max(0, totalCredits - used))),
                ]))
        default:
            return .detail(404, "Not Found")
        }
    }

    private func submit(body: [UInt8], scenarioName: String?) -> SimulatorResponse {
        guard let json = try? JSONValue.parse(Data(body)), case .object = json else {
            return validation("body", "Input should be a valid JSON object")
        }
        guard let query = json["query"]?.stringValue else { return validation("query", "Field required") }
        guard (1...500).contains(query.count) else {
            return validation("query", "String should have between 1 and 500 characters")
        }
        var scenario = defaultScenario
        if let scenarioName {
            guard let named = scenarios[scenarioName] else {
                return .detail(
                    400, "Unknown simulator scenario '\(scenarioName)' (known: \(scenarios.keys.sorted().joined(separator: ", ")))")
            }
            scenario = named
        }
        let id = UUID().uuidString.lowercased()
        jobs[id] = Entry(job: SimulatedJob(id: id, query: query, scenario: scenario), lastAdvanced: now())
        return .json(
            200,
            .object([
                ("job_id", .string(id)), ("status", .string("pending")),
                ("message", .string("TAM build started. Poll GET /api/v1/tam/build/\(id) for status and results.")),
            ]))
    }

    private func validation(_ field: String, _ message: String) -> SimulatorResponse {
        .json(
            422,
            .object([
                (
                    "detail",
                    .array([
                        .object([
                            ("loc", .array([.string("body"), .string(field)])), ("msg", .string(message)), ("type", .string("value_error")),
                        ])
                    ])
                )
            ]))
    }

    private func advanceByClock(_ jobId: String) {
        guard case .clock(let speed) = pace, var entry = jobs[jobId] else { return }
        let t = now()
        entry.job.advance(by: (t - entry.lastAdvanced) * speed * entry.job.scenario.speed)
        entry.lastAdvanced = t
        jobs[jobId] = entry
    }

    private func poll(jobId: String, cursor: String?) -> SimulatorResponse {
        guard jobs[jobId] != nil else { return .detail(404, "Job not found for this API key.") }
        if cursor == nil {
            jobs[jobId]?.job.polls += 1
            if let entry = jobs[jobId], let fault = entry.job.scenario.faults.first(where: { $0.poll == entry.job.polls }) {
                return faultResponse(fault, jobId: jobId)
            }
            if case .perPoll(let step) = pace { jobs[jobId]?.job.advance(by: step.seconds) }
        }
        advanceByClock(jobId)
        guard let job = jobs[jobId]?.job else { return .detail(404, "Job not found for this API key.") }

        var pageIndex = 0
        if let cursor {
            guard cursor.hasPrefix("page_"), let n = Int(cursor.dropFirst(5)), n >= 0 else {
                return validation("cursor", "Cursor should look like page_0003")
            }
            pageIndex = n
            jobs[jobId]?.job.pageReads[n, default: 0] += 1
            if jobs[jobId]?.job.pageReads[n] == 1, let fault = job.scenario.faults.first(where: { $0.page == n }) {
                return faultResponse(fault, jobId: jobId)
            }
        }
        let start = pageIndex * Self.pageSize
        let end = min(start + Self.pageSize, job.processed)
        let rows = rowsJSON(job: job, start: start, end: end)
        let next = end < job.processed ? String(format: "page_%04d", pageIndex + 1) : nil
        let s = job.snapshot
        let head = JSONValue.object([
            ("job_id", .string(jobId)), ("status", .string(s.status.rawValue)),
            ("manifest", s.manifest?.json ?? .null), ("error_message", .optional(s.errorMessage)),
        ]).serialized()
        let tail = JSONValue.object([
            ("page", .string(String(format: "page_%04d", pageIndex))),
            ("next_cursor", .optional(next)), ("count", .int(Int64(max(0, end - start)))),
            ("processed", .optional(s.processed)), ("progress_message", .optional(s.progressMessage)),
            ("bands_done", .optional(s.bandsDone)), ("bands_total", .optional(s.bandsTotal)),
            ("degraded", .optional(s.degraded)),
        ]).serialized()
        // The documented field order, with the cached rows spliced in between.
        let body = head.dropLast() + ",\"rows\":" + rows + "," + tail.dropFirst()
        return SimulatorResponse(status: 200, headers: [HTTPHeader("Content-Type", "application/json")], body: String(body))
    }

    private func rowsJSON(job: SimulatedJob, start: Int, end: Int) -> String {
        guard start < end else { return "[]" }
        let key = "\(job.id)|\(start)|\(end)"
        if let cached = pageCache[key] { return cached }
        let rows = JSONValue.array(
            (start..<end).map {
                CompanyGenerator.row(jobId: job.id, index: $0, scenario: job.scenario, query: job.query)
            }
        ).serialized()
        if pageCache.count > 20_000 { pageCache.removeAll(keepingCapacity: true) }
        pageCache[key] = rows
        return rows
    }

    private func faultResponse(_ fault: Scenario.Fault, jobId: String) -> SimulatorResponse {
        if fault.malformed {
            return SimulatorResponse(
                status: 200, headers: [HTTPHeader("Content-Type", "application/json")],
                body: "{\"job_id\": \"\(jobId)\", \"status\": \"runn")
        }
        var headers: [HTTPHeader] = []
        if let retryAfter = fault.retryAfter { headers.append(HTTPHeader("Retry-After", String(retryAfter))) }
        let message = fault.status == 429 ? "Too many requests." : "Simulated fault."
        var response = SimulatorResponse.detail(fault.status, message)
        response.headers += headers
        return response
    }

    private func act(jobId: String, action: String) -> SimulatorResponse {
        guard jobs[jobId] != nil else { return .detail(404, "Job not found for this API key.") }
        advanceByClock(jobId)
        guard var job = jobs[jobId]?.job else { return .detail(404, "Job not found for this API key.") }
        let status: JobStatus?
        let message: String
        switch action {
        case "cancel":
            status = job.requestCancel()
            message =
                "Cancellation requested. Poll GET /api/v1/tam/build/\(jobId) for the final status and the companies built before cancellation."
        case "pause":
            status = job.requestPause()
            message =
                "Pause requested. The in-flight sub process will finish and be written, then the job will pause. Resume with POST /api/v1/tam/build/\(jobId)/resume."
        case "resume":
            status = job.requestResume()
            message = "Resume started. Poll GET /api/v1/tam/build/\(jobId) for status and results."
        default:
            return .detail(404, "Not Found")
        }
        jobs[jobId]?.job = job
        guard let status else {
            return .detail(409, "Job already finished (completed / failed / cancelled); cannot \(action) it.")
        }
        return .json(200, .object([("job_id", .string(jobId)), ("status", .string(status.rawValue)), ("message", .string(message))]))
    }
}
