import Foundation
import HTTPTypes
import Hummingbird
import TamwatchConfig
import TamwatchModel
import TamwatchStore

extension TamwatchServer {
    /// Every route of the service, from `Endpoint`'s table (which `openapi.yaml` describes).
    func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ServeMiddleware(auth: auth, policy: policy, metrics: metrics))
        for endpoint in Endpoint.allCases {
            router.on(RouterPath(endpoint.path), method: endpoint.method) { request, context in
                try await self.handle(endpoint, request, context)
            }
        }
        return router
    }

    func handle(_ endpoint: Endpoint, _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        switch endpoint {
        case .healthy: return try await health(request, ready: false, head: false)
        case .healthyHead: return try await health(request, ready: false, head: true)
        case .ready: return try await health(request, ready: true, head: false)
        case .readyHead: return try await health(request, ready: true, head: true)
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
        case .deleteWatch: return try await deleteWatch(context)
        case .cancel: return try await act(.cancel, context)
        case .pause: return try await act(.pause, context)
        case .resume: return try await act(.resume, context)
        case .watchEvents: return try await watchEvents(request, context)
        case .events: return try await eventStream(request)
        case .listDeliveries: return try await listDeliveries(request)
        case .getDelivery: return try await getDelivery(context)
        case .replay: return try await replay(context)
        case .channels: return try await channels()
        case .reload: return try await reload()
        }
    }

    /// `/-/healthy` and `/-/ready`. Why the service is not ready is logged, and told only to a
    /// caller with a token (it may name the database): anyone else hears "unavailable".
    func health(_ request: Request, ready: Bool, head: Bool) async throws -> Response {
        var reason: String?
        if ready {
            reason = readiness.reason
            if reason == nil {
                reason = await storeProbe.reason(within: .seconds(2), clock: clock)
            }
        }
        if let reason, readiness.shouldLog(reason) { logger.warning("not ready: \(reason)") }
        let status: HTTPResponse.Status = reason == nil ? .ok : .serviceUnavailable
        let told = auth.required && auth.principal(request) == nil ? nil : reason
        let body: JSONValue = .object(
            [("status", .string(reason == nil ? "ok" : "unavailable"))] + (told.map { [("reason", .string($0))] } ?? []))
        var response = JSONBody.response(body, status: status)
        if head { response.body = .init() }
        return response
    }

    func scrape() async throws -> Response {
        let outbox = try await store.channelSummaries(health: false)
        let bytes = metrics.scrape(watchCounts: board.counts(), outbox: outbox, now: clock.now())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The status page. `?access_token=` starts a session (a signed cookie) and takes the token
    /// out of the address bar and history; a page served to a session carries its CSRF token.
    func page(_ request: Request) -> Response {
        if let token = request.uri.queryParameters.get("access_token") {
            var headers: HTTPFields = [.location: "/", .cacheControl: "no-store"]
            if let entry = auth.entry(token: token) { headers[.setCookie] = auth.setCookie(auth.newSession(for: entry)) }
            return Response(status: .seeOther, headers: headers)
        }
        let csrf = auth.principal(request)?.session.map { auth.csrf(for: $0) } ?? ""
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: StatusPage.contentSecurityPolicy,
                HTTPField.Name("X-Frame-Options")!: "DENY",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("Referrer-Policy")!: "no-referrer",
            ],
            body: .init(byteBuffer: ByteBuffer(string: StatusPage.html(csrf: csrf))))
    }

    /// `POST /-/reload`: the configuration file read again and applied (see `Reloader`): 200 with
    /// what changed and what needs a restart, or 422 with every problem, the running
    /// configuration kept.
    func reload() async throws -> Response {
        guard let reloader = options.reloader else {
            throw Problem(.conflict, "Conflict", detail: "serve runs without a configuration file (--config): there is nothing to reload")
        }
        do {
            let report = try await reloader.reload()
            return JSONBody.response(
                .object([
                    ("status", .string("ok")), ("changed", .array(report.changed.map(JSONValue.string))),
                    ("needs_restart", .array(report.needsRestart.map(JSONValue.string))),
                ]))
        } catch {
            throw Problem(
                .unprocessableContent, "Configuration not reloaded", detail: "the running configuration is kept: \(error.description)",
                errors: error.errors.map { .init($0.key.isEmpty ? "config" : $0.key, $0.description) })
        }
    }

    func channels() async throws -> Response {
        let summaries = Dictionary(try await store.channelSummaries(health: true).map { ($0.channel, $0) }, uniquingKeysWith: { a, _ in a })
        let disabled = try await store.disabledChannels()
        let items: [JSONValue] = options.channels.all.map { c in
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
