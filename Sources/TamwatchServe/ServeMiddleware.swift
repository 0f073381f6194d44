import Foundation
import HTTPTypes
import Hummingbird

/// Requires a token on everything but `/-/*`; counts and times every request by its route pattern.
struct ServeMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: Auth
    let metrics: ServeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        var status = 500
        defer {
            let route = context.endpointPath ?? (status == 404 ? "unmatched" : path.hasPrefix("/-/") ? path : "unmatched")
            metrics.request(method: request.method.rawValue, route: route, status: status, duration: ContinuousClock.now - started)
        }
        do {
            if !path.hasPrefix("/-/") {
                let queryToken = request.method == .get && (path == "/" || path == "/api/v1/events")
                guard auth.allows(request, queryToken: queryToken) else { throw Auth.unauthorized }
            }
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as HTTPResponseError {
            status = error.status.code
            if let error = error as? HTTPError {
                // Hummingbird's own errors (no route, a bad body) as problems too.
                var problem = Problem(error.status, error.status.reasonPhrase, detail: error.body)
                if error.status == .notFound { problem.detail = "no route for \(request.method.rawValue) \(path)" }
                if error.status == .methodNotAllowed { problem.detail = "\(request.method.rawValue) is not allowed on \(path)" }
                throw problem
            }
            throw error
        }
    }
}
