import Foundation
import HTTPTypes
import Hummingbird
import TamwatchStore

/// Every request's checks, in order: its `Host` (not for the probes, `/-/healthy` and
/// `/-/ready`, reached by any name), a change's origin and body type, then the token (everything
/// but the probes) and its
/// scope: a read token may GET and HEAD; a change through the page's session also needs the
/// session's CSRF token. Counts and times every request by its route pattern.
struct ServeMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: Auth
    let policy: RequestPolicy
    let metrics: ServeMetrics

    static func isChange(_ method: HTTPRequest.Method) -> Bool { method != .get && method != .head }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        var status = 500
        defer {
            let route = context.endpointPath ?? (status == 404 ? "unmatched" : path.hasPrefix("/-/") ? path : "unmatched")
            metrics.request(method: request.method.rawValue, route: route, status: status, duration: ContinuousClock.now - started)
        }
        do {
            let change = Self.isChange(request.method)
            let open = Endpoint.probePaths.contains(path)
            if !open {
                try policy.checkHost(request)
            }
            if change { try policy.checkChange(request) }
            if !open, auth.required {
                // A token in the address only where a browser starts its session.
                let queryToken = request.method == .get && path == "/"
                guard let principal = auth.principal(request, queryToken: queryToken) else { throw Auth.unauthorized }
                if change {
                    guard principal.scope == .write else {
                        throw Auth.forbidden("token '\(principal.name)' has the read scope; a change needs a write token")
                    }
                    if let session = principal.session, !auth.csrfMatches(request.headers[Auth.csrfHeader], session: session) {
                        throw Auth.forbidden("a change through the page's session needs its X-CSRF-Token header (reload the page)")
                    }
                }
            }
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as HTTPResponseError {
            status = error.status.code
            if let error = error as? HTTPError {
                // Hummingbird's own errors (no route, a bad body) as problems too.
                var problem = Problem(error.status, error.status.reasonPhrase, detail: error.body)
                if error.status == .notFound {
                    let allowed = Endpoint.methods(for: path)
                    if allowed.isEmpty {
                        problem.detail = "no route for \(request.method.rawValue) \(path)"
                    } else {
                        // The path exists; the method does not.
                        let names = Set(allowed.map(\.rawValue)).sorted()
                        problem = Problem(
                            .methodNotAllowed, "Method Not Allowed", detail: "\(request.method.rawValue) is not allowed on \(path)")
                        problem.headers[.allow] = names.joined(separator: ", ")
                        status = 405
                    }
                }
                if error.status == .methodNotAllowed { problem.detail = "\(request.method.rawValue) is not allowed on \(path)" }
                throw problem
            }
            throw error
        } catch let error as StoreError {
            // The state cannot take this now (a full disk, a lost database): try again later.
            status = 503
            var problem = Problem(
                .serviceUnavailable, "Service Unavailable", detail: "the state store cannot take this now: \(error.message)")
            problem.headers[.retryAfter] = "30"
            throw problem
        }
    }
}
