import HTTPTypes

/// The service's routes: method and path (OpenAPI's `{name}` for a parameter).
public enum Endpoint: CaseIterable, Sendable {
    case healthy, healthyHead, ready, readyHead, metrics, page, openapi
    case registerWatch, submitBuild, listWatches, getWatch, stopWatch, deleteWatch, cancel, pause, resume, watchEvents
    case events, listDeliveries, getDelivery, replay, channels, reload

    public var method: HTTPRequest.Method {
        switch self {
        case .healthyHead, .readyHead: return .head
        case .registerWatch, .submitBuild, .stopWatch, .cancel, .pause, .resume, .replay, .reload: return .post
        case .deleteWatch: return .delete
        default: return .get
        }
    }

    public var path: String {
        switch self {
        case .healthy, .healthyHead: return "/-/healthy"
        case .ready, .readyHead: return "/-/ready"
        case .metrics: return "/metrics"
        case .page: return "/"
        case .openapi: return "/api/v1/openapi.yaml"
        case .registerWatch, .listWatches: return "/api/v1/watches"
        case .submitBuild: return "/api/v1/builds"
        case .getWatch, .deleteWatch: return "/api/v1/watches/{job_id}"
        case .stopWatch: return "/api/v1/watches/{job_id}/stop"
        case .cancel: return "/api/v1/watches/{job_id}/cancel"
        case .pause: return "/api/v1/watches/{job_id}/pause"
        case .resume: return "/api/v1/watches/{job_id}/resume"
        case .watchEvents: return "/api/v1/watches/{job_id}/events"
        case .events: return "/api/v1/events"
        case .listDeliveries: return "/api/v1/deliveries"
        case .getDelivery: return "/api/v1/deliveries/{id}"
        case .replay: return "/api/v1/deliveries/{id}/replay"
        case .channels: return "/api/v1/channels"
        case .reload: return "/-/reload"
        }
    }

    /// The probes: open to anyone, by any name (no token, no `Host` check).
    public var isProbe: Bool {
        switch self {
        case .healthy, .healthyHead, .ready, .readyHead: return true
        default: return false
        }
    }

    static let probePaths = Set(allCases.filter(\.isProbe).map(\.path))

    /// Whether a concrete path matches this route's pattern.
    func matches(path: String) -> Bool {
        let pattern = self.path.split(separator: "/", omittingEmptySubsequences: false)
        let given = path.split(separator: "/", omittingEmptySubsequences: false)
        guard pattern.count == given.count else { return false }
        return zip(pattern, given).allSatisfy { p, g in p.hasPrefix("{") ? !g.isEmpty : p == g }
    }

    /// The methods a path answers to (for 405's `Allow`); empty when no route has it.
    static func methods(for path: String) -> [HTTPRequest.Method] {
        allCases.filter { $0.matches(path: path) }.map(\.method)
    }
}
