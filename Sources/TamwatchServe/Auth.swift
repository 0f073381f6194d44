import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Bearer tokens, compared in constant time. Browsers cannot send the header, so `GET
/// /?access_token=` sets an HttpOnly session cookie that the page's requests and its event
/// stream carry; the event stream also takes `?access_token=`. Tokens are never logged.
struct Auth: Sendable {
    static let cookieName = "tamwatch_session"
    private let tokens: [[UInt8]]
    private let sessions: [[UInt8]]

    init(tokens: [String]) {
        self.tokens = tokens.map { Array($0.utf8) }
        sessions = tokens.map { Array(Self.session(for: $0).utf8) }
    }

    var required: Bool { !tokens.isEmpty }

    /// The cookie value for a token: not the token itself, so a leaked cookie does not leak it.
    static func session(for token: String) -> String {
        SHA256.hash(data: Data("tamwatch-session:\(token)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func accepts(token: String) -> Bool { Self.matches(Array(token.utf8), tokens) }

    /// Whether the request carries a token (header, cookie, or, where allowed, the query).
    func allows(_ request: Request, queryToken: Bool) -> Bool {
        guard required else { return true }
        if let header = request.headers[.authorization], header.hasPrefix("Bearer "), Self.matches(Array(header.utf8.dropFirst(7)), tokens)
        {
            return true
        }
        if let cookie = Self.cookie(request), Self.matches(Array(cookie.utf8), sessions) { return true }
        if queryToken, let token = request.uri.queryParameters.get("access_token"), accepts(token: token) { return true }
        return false
    }

    static func cookie(_ request: Request) -> String? {
        for field in request.headers[values: .cookie] {
            for part in field.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }

    /// Constant time in the candidate's bytes: every byte of every same-length token is compared.
    private static func matches(_ given: [UInt8], _ candidates: [[UInt8]]) -> Bool {
        var found: UInt8 = 0
        for candidate in candidates {
            guard candidate.count == given.count else { continue }
            var diff: UInt8 = 0
            for i in 0..<given.count { diff |= given[i] ^ candidate[i] }
            found |= diff == 0 ? 1 : 0
        }
        return found == 1
    }

    static var unauthorized: Problem {
        var p = Problem(
            .unauthorized, "Unauthorized",
            detail: "send Authorization: Bearer TOKEN (one of serve.tokens); a browser opens /?access_token=TOKEN once")
        p.headers[.wwwAuthenticate] = "Bearer"
        return p
    }
}
