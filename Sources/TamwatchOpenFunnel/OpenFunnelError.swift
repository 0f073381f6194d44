import TamwatchHTTP
import TamwatchModel

/// Why an OpenFunnel call failed, in the terms a caller acts on.
public enum OpenFunnelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401 or 403: the key is missing, wrong, or not allowed this job. Retrying will not help.
    case unauthorized(status: Int, message: String)
    /// 404: no such job for this key (a just-submitted job may briefly lag).
    case notFound(jobId: String)
    /// 409: the job is already finished, so it cannot be paused, resumed or cancelled.
    case conflict(message: String)
    /// 422 (or 400): the request was rejected as invalid.
    case validation(status: Int, message: String)
    /// 429: slow down; `retryAfter` comes from the header or `details.retry_after_seconds`.
    case rateLimited(retryAfter: Duration?)
    /// 5xx: the API is failing; worth retrying.
    case server(status: Int, retryAfter: Duration?)
    /// Any other status.
    case unexpectedStatus(status: Int, message: String)
    /// A 2xx whose body could not be read as the documented response.
    case invalidResponse(String)
    /// No HTTP response at all.
    case transport(TransportError)

    /// True for faults that may pass on their own: rate limits, 5xx, network errors, bad bodies.
    public var isTransient: Bool {
        switch self {
        case .rateLimited, .server, .invalidResponse, .transport: return true
        case .unexpectedStatus(let status, _): return status == 408 || status == 425
        default: return false
        }
    }

    public var retryAfter: Duration? {
        switch self {
        case .rateLimited(let d), .server(_, let d): return d
        default: return nil
        }
    }

    public var httpStatus: Int? {
        switch self {
        case .unauthorized(let s, _), .validation(let s, _), .server(let s, _), .unexpectedStatus(let s, _): return s
        case .notFound: return 404
        case .conflict: return 409
        case .rateLimited: return 429
        case .invalidResponse, .transport: return nil
        }
    }

    public var description: String {
        switch self {
        case .unauthorized(let status, let message):
            return "HTTP \(status): the API key was refused (check OPENFUNNEL_API_KEY or api.key)" + Self.suffix(message)
        case .notFound(let jobId): return "HTTP 404: job \(jobId) was not found for this API key"
        case .conflict(let message): return "HTTP 409: the job is already finished" + Self.suffix(message)
        case .validation(let status, let message): return "HTTP \(status): request rejected" + Self.suffix(message)
        case .rateLimited(let d): return "HTTP 429: rate limited" + (d.map { ", retry after \(DurationText.format($0))" } ?? "")
        case .server(let status, _): return "HTTP \(status): server error"
        case .unexpectedStatus(let status, let message): return "HTTP \(status): unexpected response" + Self.suffix(message)
        case .invalidResponse(let why): return "invalid response: \(why)"
        case .transport(let error): return error.description
        }
    }

    private static func suffix(_ message: String) -> String { message.isEmpty ? "" : ": \(message)" }

    /// The same error with the API's own words passed through `redactor`.
    public func redacting(_ redactor: Redactor) -> OpenFunnelError {
        switch self {
        case .unauthorized(let status, let m): return .unauthorized(status: status, message: redactor.redact(m))
        case .conflict(let m): return .conflict(message: redactor.redact(m))
        case .validation(let status, let m): return .validation(status: status, message: redactor.redact(m))
        case .unexpectedStatus(let status, let m): return .unexpectedStatus(status: status, message: redactor.redact(m))
        case .invalidResponse(let m): return .invalidResponse(redactor.redact(m))
        default: return self
        }
    }
}
