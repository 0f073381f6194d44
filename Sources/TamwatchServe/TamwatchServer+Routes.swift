import Foundation
import HTTPTypes
import Hummingbird
import TamwatchModel
import TamwatchStore

extension TamwatchServer {
    /// Every route of the service; `openapi.yaml` describes the same set (a test holds them equal).
    func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ServeMiddleware(auth: auth, metrics: metrics))
        for path in ["/-/healthy", "/-/ready"] {
            router.on(RouterPath(path), method: .head) { _, _ in try await self.health(path, head: true) }
            router.on(RouterPath(path), method: .get) { _, _ in try await self.health(path, head: false) }
        }
        router.get("/metrics") { _, _ in try await self.scrape() }
        router.get("/") { request, _ in self.page(request) }
        let api = router.group("/api/v1")
        api.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        api.post("/watches") { request, context in try await self.registerWatch(request, context) }
        api.post("/builds") { request, context in try await self.submitBuild(request, context) }
        api.get("/watches") { request, _ in try await self.listWatches(request) }
        api.get("/watches/:job_id") { _, context in try await self.getWatch(context) }
        api.delete("/watches/:job_id") { _, context in try await self.stopWatch(context) }
        for action in JobAction.allCases {
            api.post("/watches/:job_id/\(action.rawValue)") { _, context in try await self.act(action, context) }
        }
        api.get("/watches/:job_id/events") { request, context in try await self.watchEvents(request, context) }
        api.get("/events") { request, _ in try await self.eventStream(request) }
        api.get("/deliveries") { request, _ in try await self.listDeliveries(request) }
        api.get("/deliveries/:id") { _, context in try await self.getDelivery(context) }
        api.post("/deliveries/:id/replay") { _, context in try await self.replay(context) }
        api.get("/channels") { _, _ in try await self.channels() }
        return router
    }

    func health(_ path: String, head: Bool) async throws -> Response {
        var reason: String?
        if path == "/-/ready" {
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

/// What the API can ask OpenFunnel to do to a build.
enum JobAction: String, CaseIterable, Sendable {
    case cancel, pause, resume
}
