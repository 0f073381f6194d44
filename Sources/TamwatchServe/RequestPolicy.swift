import Foundation
import HTTPTypes
import Hummingbird
import TamwatchConfig

/// What a browser may make the service do. A web page of another site can send requests to a
/// service on this machine (`fetch`, a form) and, through DNS rebinding, read its answers; these
/// checks stop both, while leaving clients that are not browsers (curl, scripts) as they are:
/// - `Host` must name this service: an IP address, `localhost`, this machine's name, the listen
///   host, or the host of `serve.external_url` (a rebinding page's requests carry its own name).
/// - A change (any method but GET and HEAD) from a browser must come from this service's own
///   origin or one of `serve.allowed_origins` (`Origin`, `Sec-Fetch-Site`), and a body must be
///   `application/json` (a form or a `text/plain` fetch is refused before it reaches a handler).
struct RequestPolicy: Sendable {
    let listenHost: String
    /// This machine's own name (a rebinding page's requests carry the attacker's name, never it).
    let machine: String
    let external: WebOrigin?
    let allowedOrigins: Set<String>

    init(listen: ListenAddress, externalURL: String?, allowedOrigins: [String]) {
        listenHost = listen.host.lowercased()
        machine = ProcessInfo.processInfo.hostName.lowercased()
        external = externalURL.flatMap(WebOrigin.init)
        self.allowedOrigins = Set(allowedOrigins.compactMap { WebOrigin($0)?.description })
    }

    /// The host of a `Host` value (`name:port`, `[v6]:port`), lowercased.
    static func hostName(_ authority: String) -> String {
        let lower = authority.lowercased()
        if lower.hasPrefix("["), let close = lower.firstIndex(of: "]") {
            return String(lower[lower.index(after: lower.startIndex)..<close])
        }
        if let colon = lower.lastIndex(of: ":") { return String(lower[..<colon]) }
        return lower
    }

    func checkHost(_ request: Request) throws {
        guard let authority = request.head.authority, !authority.isEmpty else { return }
        let host = Self.hostName(authority)
        if host == "localhost" || host == listenHost || host == machine || host == external?.host || ListenAddress.isAddress(host) {
            return
        }
        throw Problem(
            .misdirectedRequest, "Misdirected request",
            detail: "Host '\(authority.prefix(100))' is not this service's name; set serve.external_url to the address clients use")
    }

    /// A change's origin and body type.
    func checkChange(_ request: Request) throws {
        let origin = request.headers[.origin]
        if let origin {
            guard allows(origin: origin, request: request) else {
                throw Auth.forbidden(
                    "a page of \(origin.prefix(100)) may not change anything here; add its origin to serve.allowed_origins if it should")
            }
        } else if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            throw Auth.forbidden("a cross-site request (Sec-Fetch-Site: \(site.prefix(20))) may not change anything here")
        }
        // A body must be JSON; an empty one may say anything (curl's `-d ''` calls itself a form).
        guard Self.hasBody(request) else { return }
        let media = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard media == "application/json" else {
            throw Problem(
                .unsupportedMediaType, "Unsupported media type",
                detail: "send the body as Content-Type: application/json\(media.map { " (not \($0.prefix(60)))" } ?? "")")
        }
    }

    func allows(origin: String, request: Request) -> Bool {
        guard let parsed = WebOrigin(origin) else { return false }
        let text = parsed.description
        if allowedOrigins.contains(text) || text == external?.description { return true }
        // Its own origin: the scheme and the very host and port the request was sent to.
        guard let authority = request.head.authority, let own = WebOrigin("\(parsed.scheme)://\(authority)") else { return false }
        return own.description == text
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }
}
