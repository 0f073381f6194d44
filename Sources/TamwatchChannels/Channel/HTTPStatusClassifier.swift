import TamwatchHTTP

/// The status-code classes every HTTP channel starts from (as Standard Webhooks recommends).
public struct HTTPStatusClassifier: Sendable {
    /// 4xx statuses, beyond 408/425/429, that are retried instead of dead-lettered.
    public var retryable4xx: Set<Int>

    public init(retryable4xx: Set<Int> = []) { self.retryable4xx = retryable4xx }

    public func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        let status = response.status
        let retryAfter = response.retryAfter()
        switch status {
        case 200..<300: return .delivered
        case 300..<400: return .retry(reason: "HTTP \(status): redirects are not followed: fix the URL", retryAfter: retryAfter)
        case 410: return .disableChannel(reason: "HTTP 410 Gone: the receiver wants no more deliveries")
        case 408, 425, 429: return .retry(reason: "HTTP \(status)", retryAfter: retryAfter)
        case 400..<500 where retryable4xx.contains(status): return .retry(reason: "HTTP \(status)", retryAfter: retryAfter)
        case 400..<500: return .dead(reason: "HTTP \(status): the receiver refused the delivery")
        case 500..<600: return .retry(reason: "HTTP \(status)", retryAfter: retryAfter)
        default: return .retry(reason: "HTTP \(status): unexpected status", retryAfter: retryAfter)
        }
    }

    /// No response at all (timeouts, refused or dropped connections) is always worth a retry,
    /// except a URL that can never work.
    public func classify(_ error: TransportError) -> DeliveryOutcome {
        switch error {
        case .invalidURL: return .dead(reason: error.description)
        case .invalidRequest: return .dead(reason: error.description)
        default: return .retry(reason: error.description, retryAfter: nil)
        }
    }
}
