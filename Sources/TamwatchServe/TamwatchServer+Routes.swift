import Foundation
import HTTPTypes
import Hummingbird
import TamwatchModel
import TamwatchStore

extension TamwatchServer {
    /// Every route of the service, from `Endpoint`'s table (which `openapi.yaml` describes).
    func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ServeMiddleware(auth: auth, metrics: metrics))
        for endpoint in Endpoint.allCases {
            router.on(RouterPath(endpoint.path), method: endpoint.method) { request, context in
                try await self.handle(endpoint, request, context)
            }
        }
        return router
    }

    func handle(_ endpoint: Endpoint, _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        switch endpoint {
        case .healthy: return try await health(ready: false, head: false)
        case .healthyHead: return try await health(ready: false, head: true)
        case .ready: return try await health(ready: true, head: false)
        case .readyHead: return try await health(ready: true, head: true)
        case .metrics: return try await scrape()
        case .page: return page(request)
        case .openapi:
            return Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        case .registerWatch: return try await registerWatch(request, context)
        case .submitBuild: return try await submitBuild(request, context)
        case .listWatches: return try await listWatches(request)
        case .getWatch: return try await getWatch(context)
        case .stopWatch: return try await stopWatch(context)
        case .cancel: return try await act(.cancel, context)
        case .pause: return try await act(.pause, context)
        case .resume: return try await act(.resume, context)
        case .watchEvents: return try await watchEvents(request, context)
        case .events: return try await eventStream(request)
        case .listDeliveries: return try await listDeliveries(request)
        case .getDelivery: return try await getDelivery(context)
        case .replay: return try await replay(context)
        case .channels: return try await channels()
        }
    }

    func health(ready: Bool, head: Bool) async throws -> Response {
        var reason: String?
        if ready {
            reason = readiness.reason
            if reason == nil {
                do { try await store.checkWritable() } catch { reason = "the state store is not writable: \(error)" }
            }
        }
        let status: HTTPResponse.Status = reason == nil ? .ok : .serviceUnavailable
        let body: JSONValue = .object(
            [("status", .string(reason == nil ? "ok" : "unavailable"))] + (reason.map { [("reason", .string($0))] } ?? []))
        var response = JSONBody.response(body, status: status)
        if head { response.body = .init() }
        return response
    }

    func scrape() async throws -> Response {
        let outbox = try await store.channelSummaries()
        let bytes = metrics.scrape(watchCounts: board.counts(), outbox: outbox, now: clock.now())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func page(_ request: Request) -> Response {
        if let token = request.uri.queryParameters.get("access_token") {
            // Sets the session cookie and takes the token out of the address bar (and history).
            var headers: HTTPFields = [.location: "/", .cacheControl: "no-store"]
            if auth.accepts(token: token) {
                headers[.setCookie] = "\(Auth.cookieName)=\(Auth.session(for: token)); Path=/; HttpOnly; SameSite=Strict"
            }
            return Response(status: .seeOther, headers: headers)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: StatusPage.html)))
    }

    func channels() async throws -> Response {
        let summaries = Dictionary(try await store.channelSummaries().map { ($0.channel, $0) }, uniquingKeysWith: { a, _ in a })
        let disabled = try await store.disabledChannels()
        let items: [JSONValue] = options.channels.map { c in
            let s = summaries[c.name]
            return .object([
                ("name", .string(c.name)), ("type", .string(c.type)), ("host", .string(c.host)),
                ("disabled", .bool(disabled[c.name] != nil)),
                ("disabled_reason", JSONBody.string(disabled[c.name]?.reason)),
                ("last_success_at", JSONBody.date(s?.lastSuccessAt)),
                ("last_error", JSONBody.string(s?.lastError)),
                ("last_error_at", JSONBody.date(s?.lastErrorAt)),
                ("pending", .int(Int64(s?.pending ?? 0))),
                ("oldest_pending_at", JSONBody.date(s?.oldestPendingAt)),
                ("dead", .int(Int64(s?.dead ?? 0))),
            ])
        }
        return JSONBody.response(.object([("data", .array(items)), ("next_cursor", .null)]))
    }
}

/// The service's routes: method and path (OpenAPI's `{name}` for a parameter).
public enum Endpoint: CaseIterable, Sendable {
    case healthy, healthyHead, ready, readyHead, metrics, page, openapi
    case registerWatch, submitBuild, listWatches, getWatch, stopWatch, cancel, pause, resume, watchEvents
    case events, listDeliveries, getDelivery, replay, channels

    public var method: HTTPRequest.Method {
        switch self {
        case .healthyHead, .readyHead: return .head
        case .registerWatch, .submitBuild, .cancel, .pause, .resume, .replay: return .post
        case .stopWatch: return .delete
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
        case .getWatch, .stopWatch: return "/api/v1/watches/{job_id}"
        case .cancel: return "/api/v1/watches/{job_id}/cancel"
        case .pause: return "/api/v1/watches/{job_id}/pause"
        case .resume: return "/api/v1/watches/{job_id}/resume"
        case .watchEvents: return "/api/v1/watches/{job_id}/events"
        case .events: return "/api/v1/events"
        case .listDeliveries: return "/api/v1/deliveries"
        case .getDelivery: return "/api/v1/deliveries/{id}"
        case .replay: return "/api/v1/deliveries/{id}/replay"
        case .channels: return "/api/v1/channels"
        }
    }
}

/// What the API can ask OpenFunnel to do to a build.
enum JobAction: String, CaseIterable, Sendable {
    case cancel, pause, resume
}
