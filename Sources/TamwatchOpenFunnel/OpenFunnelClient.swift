import Foundation
import TamwatchHTTP
import TamwatchModel

/// The OpenFunnel TAM Builder API over any `Transport`. The key travels only in `X-API-Key`
/// and never appears in an error or a log line.
public struct OpenFunnelClient: Sendable {
    public let baseURL: String
    private let apiKey: String
    private let transport: any Transport
    public var timeout: Duration

    public init(baseURL: String, apiKey: String, transport: any Transport, timeout: Duration = .seconds(30)) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.apiKey = apiKey
        self.transport = transport
        self.timeout = timeout
    }

    /// `POST /api/v1/tam/build`: starts a build for a one-sentence market description (1–500 characters).
    public func submit(query: String, extraHeaders: [HTTPHeader] = []) async throws(OpenFunnelError) -> JobActionResponse {
        guard (1...500).contains(query.count) else {
            throw .validation(status: 0, message: "query must be 1 to 500 characters, got \(query.count)")
        }
        let body = JSONValue.object([("query", .string(query))]).serialized()
        let json = try await call("POST", "/api/v1/tam/build", jobId: nil, body: body, extraHeaders: extraHeaders)
        return try Self.action(json)
    }

    /// `GET /api/v1/tam/build/{job_id}`: status, progress, manifest and one page of rows.
    public func poll(jobId: String, cursor: String? = nil) async throws(OpenFunnelError) -> TamBuildPage {
        var path = "/api/v1/tam/build/\(try Self.escape(jobId))"
        if let cursor {
            path += "?cursor=" + (cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        return try TamBuildPage(json: try await call("GET", path, jobId: jobId))
    }

    /// The poll, reading only status and progress: the page of rows is scanned, not decoded.
    /// This is what the watcher calls on every tick.
    public func pollSnapshot(jobId: String) async throws(OpenFunnelError) -> JobSnapshot {
        var ignored: [String] = []
        return try await pollSnapshot(jobId: jobId, warnings: &ignored)
    }

    /// As `pollSnapshot(jobId:)`, adding to `warnings` the values that were implausible and read as null.
    /// Once the build has ended, the page's first `topRows` rows (the highest ranked) come with
    /// the snapshot as `top`, from the same response; with `sourceQuery`, the first row's
    /// `source_query` as `sourceQuery` (the rows are read only while that is asked and unknown).
    public func pollSnapshot(
        jobId: String, warnings: inout [String], topRows: Int = 0, sourceQuery: Bool = false
    ) async throws(OpenFunnelError) -> JobSnapshot {
        let response = try await send("GET", "/api/v1/tam/build/\(try Self.escape(jobId))")
        let json = try interpret(response, jobId: jobId, skipping: ["rows"])
        var snapshot: JobSnapshot
        do { snapshot = try JobSnapshot(json: json, warnings: &warnings) } catch { throw .invalidResponse(error.reason) }
        let wantsTop = topRows > 0 && snapshot.status.isTerminal
        // The whole page is read once per build for the poll that sees its end, and while the
        // query is unknown only when the page has rows (an empty page's body is short).
        if wantsTop || (sourceQuery && (snapshot.processed ?? 1) > 0),
            case .array(let items)? = (try? JSONValue.parse(bytes: response.body))?["rows"]
        {
            if wantsTop { snapshot.top = Array(items.prefix(topRows)) }
            if sourceQuery, let text = items.first?["source_query"]?.stringValue {
                // One line, as a submitted query is: a control character could break a header.
                let line = String(
                    String.UnicodeScalarView(text.unicodeScalars.prefix(500).map { $0.properties.generalCategory == .control ? " " : $0 }))
                let query = line.trimmingCharacters(in: .whitespaces)
                if !query.isEmpty { snapshot.sourceQuery = query }
            }
        }
        return snapshot
    }

    public func cancel(jobId: String) async throws(OpenFunnelError) -> JobActionResponse {
        try await act(jobId: jobId, "cancel")
    }

    public func pause(jobId: String) async throws(OpenFunnelError) -> JobActionResponse {
        try await act(jobId: jobId, "pause")
    }

    public func resume(jobId: String) async throws(OpenFunnelError) -> JobActionResponse {
        try await act(jobId: jobId, "resume")
    }

    public func creditBalance() async throws(OpenFunnelError) -> CreditBalance {
        let json = try await call("GET", "/api/v1/credits/balance", jobId: nil)
        return CreditBalance(
            totalCredits: json["total_credits"]?.doubleValue,
            creditsUsed: json["credits_used"]?.doubleValue,
            creditsLeft: json["credits_left"]?.doubleValue)
    }

    // MARK: - Plumbing

    private static func escape(_ jobId: String) throws(OpenFunnelError) -> String {
        // A job id is one unreserved path segment as it is: nothing to escape, nothing to smuggle.
        if let problem = JobID.problem(jobId) { throw .validation(status: 0, message: problem) }
        return jobId
    }

    private func act(jobId: String, _ action: String) async throws(OpenFunnelError) -> JobActionResponse {
        let response = try await send("POST", "/api/v1/tam/build/\(try Self.escape(jobId))/\(action)", body: "")
        var answer = try Self.action(try interpret(response, jobId: jobId, skipping: []))
        answer.httpStatus = response.status
        return answer
    }

    private static func action(_ json: JSONValue) throws(OpenFunnelError) -> JobActionResponse {
        guard let jobId = json["job_id"]?.stringValue else { throw .invalidResponse("the response has no job_id") }
        if let problem = JobID.problem(jobId) { throw .invalidResponse("the response's job_id is not one: \(problem)") }
        return JobActionResponse(
            jobId: jobId, status: JobStatus(rawValue: json["status"]?.stringValue ?? "pending"),
            message: json["message"]?.stringValue ?? "")
    }

    private func call(
        _ method: String, _ path: String, jobId: String?, body: String? = nil,
        extraHeaders: [HTTPHeader] = [], skipping: Set<String> = []
    ) async throws(OpenFunnelError) -> JSONValue {
        try interpret(try await send(method, path, body: body, extraHeaders: extraHeaders), jobId: jobId, skipping: skipping)
    }

    /// The response's JSON body or the typed error its status means, the key masked in it.
    private func interpret(_ response: HTTPResponse, jobId: String?, skipping: Set<String>) throws(OpenFunnelError) -> JSONValue {
        do {
            return try Self.interpret(response, jobId: jobId, skipping: skipping)
        } catch {
            // An API that echoes the key back in its error text does not get it any further.
            throw error.redacting(Redactor(secrets: [apiKey]))
        }
    }

    private func send(_ method: String, _ path: String, body: String? = nil, extraHeaders: [HTTPHeader] = []) async throws(OpenFunnelError)
        -> HTTPResponse
    {
        var headers = [HTTPHeader("X-API-Key", apiKey), HTTPHeader("Accept", "application/json")]
        if body != nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        headers += extraHeaders
        let request = HTTPRequest(
            method: method, url: baseURL + path, headers: headers,
            body: body.map { Array($0.utf8) }, timeout: timeout)
        do {
            return try await transport.send(request)
        } catch {
            throw .transport(error)
        }
    }

    /// Maps a response to its JSON body or to the typed error its status means.
    static func interpret(_ response: HTTPResponse, jobId: String?, skipping: Set<String> = []) throws(OpenFunnelError) -> JSONValue {
        let parsed = try? JSONValue.parse(bytes: response.body, skippingTopLevel: skipping)
        switch response.status {
        case 200..<300:
            guard let parsed else {
                throw .invalidResponse("HTTP \(response.status) with a body that is not JSON (\(response.body.count) bytes)")
            }
            return parsed
        case 401, 403: throw .unauthorized(status: response.status, message: errorMessage(parsed))
        case 404: throw .notFound(jobId: jobId ?? "?")
        case 409: throw .conflict(message: errorMessage(parsed))
        case 400, 422: throw .validation(status: response.status, message: errorMessage(parsed))
        case 429: throw .rateLimited(retryAfter: retryAfter(response, parsed))
        case 500..<600: throw .server(status: response.status, retryAfter: retryAfter(response, parsed))
        default: throw .unexpectedStatus(status: response.status, message: errorMessage(parsed))
        }
    }

    /// `Retry-After` (seconds or an HTTP-date), else the body's `details.retry_after_seconds`;
    /// at most a day.
    static func retryAfter(_ response: HTTPResponse, _ body: JSONValue?, now: Date = Date()) -> Duration? {
        if let wait = response.retryAfter(now: now) { return wait }
        if let seconds = body?["details"]?["retry_after_seconds"]?.doubleValue, seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64(min(seconds, RetryAfter.ceiling.seconds) * 1000))
        }
        return nil
    }

    private static func errorMessage(_ body: JSONValue?) -> String {
        guard let body else { return "" }
        var text = ""
        if let detail = body["detail"]?.stringValue {
            text = detail
        } else if case .array(let items)? = body["detail"], let first = items.first?["msg"]?.stringValue {
            text = first
        } else if let message = body["message"]?.stringValue {
            text = message
        } else if let code = body["error_code"]?.stringValue {
            text = code
        }
        if text.count > 200 { text = String(text.prefix(200)) + "…" }
        return text
    }
}
extension CharacterSet {
    /// Unreserved characters only: a job id never turns into extra path segments or a query.
    static let urlPathComponentAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()
}
