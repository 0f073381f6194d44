import TamwatchHTTP
import TamwatchOpenFunnel

/// How one poll went, in the service's metric's terms (`tamwatch_polls_total{result}`).
public enum PollResult: String, Sendable, CaseIterable {
    case ok
    case http4xx = "http_4xx"
    case http5xx = "http_5xx"
    case rateLimited = "rate_limited"
    case timeout
    case network
    case invalidResponse = "invalid_response"

    init(_ error: OpenFunnelError) {
        switch error {
        case .rateLimited: self = .rateLimited
        case .server: self = .http5xx
        case .invalidResponse: self = .invalidResponse
        case .transport(.timedOut): self = .timeout
        case .transport: self = .network
        case .unexpectedStatus(let status, _): self = status >= 500 ? .http5xx : .http4xx
        case .unauthorized, .notFound, .conflict, .validation: self = .http4xx
        }
    }
}
