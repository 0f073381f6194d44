import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import TamwatchConfig

/// Who may call the service. Tokens (`serve.tokens`) are held as SHA-256 digests and compared as
/// such, in constant time over every entry, so neither a token nor its length shows in timing.
/// Browsers cannot send a header on their own, so `GET /?access_token=` starts a page session:
/// an HttpOnly cookie the server signed (the token's name and scope, an expiry), good for
/// reads; a change through a session also needs the session's CSRF token in `X-CSRF-Token`,
/// which only the page, served to that session, knows. Tokens are never logged.
struct Auth: Sendable {
    static let cookieName = "tamwatch_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    struct Entry: Sendable {
        let name: String
        let scope: ServeToken.Scope
        let digest: [UInt8]
    }

    /// Who a request acts as, and how it said so.
    struct Principal: Sendable {
        let name: String
        let scope: ServeToken.Scope
        /// The session cookie's value when the request came with one (not a bearer token).
        let session: String?
    }

    private let entries: [Entry]
    /// Signs sessions: new at every start, so a restart ends every session.
    private let key: SymmetricKey
    let sessionLifetime: TimeInterval
    /// The session cookie is `Secure` (the service is reached over https).
    let secureCookie: Bool

    init(tokens: [ServeToken], sessionLifetime: TimeInterval = 12 * 3600, secureCookie: Bool = false) {
        entries = tokens.map { token in
            switch token.secret {
            case .plain(let text): Entry(name: token.name, scope: token.scope, digest: Self.digest(text))
            case .sha256(let digest): Entry(name: token.name, scope: token.scope, digest: digest)
            }
        }
        key = SymmetricKey(size: .bits256)
        self.sessionLifetime = sessionLifetime
        self.secureCookie = secureCookie
    }

    var required: Bool { !entries.isEmpty }

    static func digest(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    /// The entry a token belongs to: every entry's digest is compared in full.
    func entry(token: String) -> Entry? {
        let given = Self.digest(token)
        var found: Entry?
        for entry in entries where Self.equal(given, entry.digest) { found = entry }
        return found
    }

    /// The caller, from `Authorization: Bearer` (any case of the scheme), the session cookie, or,
    /// where `queryToken` allows, `?access_token=`; nil when none is valid.
    func principal(_ request: Request, queryToken: Bool = false, now: Date = Date()) -> Principal? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer",
                let entry = entry(token: parts[1].trimmingCharacters(in: .whitespaces))
            {
                return Principal(name: entry.name, scope: entry.scope, session: nil)
            }
            return nil
        }
        if let cookie = Self.cookie(request), let entry = session(cookie, now: now) {
            return Principal(name: entry.name, scope: entry.scope, session: cookie)
        }
        if queryToken, let token = request.uri.queryParameters.get("access_token"), let entry = entry(token: token) {
            return Principal(name: entry.name, scope: entry.scope, session: nil)
        }
        return nil
    }

    // MARK: Sessions

    /// A new session for `entry`: `v1.NAME.SCOPE.EXPIRES.NONCE.MAC`, the name base64url-encoded.
    /// The MAC covers the token's digest too, so a token taken out of (or changed in) the config
    /// ends its sessions at the next start.
    func newSession(for entry: Entry, now: Date = Date()) -> String {
        let expires = Int64(now.timeIntervalSince1970 + sessionLifetime)
        let nonce = Self.hex((0..<16).map { _ in UInt8.random(in: 0...255) })
        let body = "v1.\(Self.base64url(Data(entry.name.utf8))).\(entry.scope.rawValue).\(expires).\(nonce)"
        return body + "." + mac(body, entry)
    }

    /// The `Set-Cookie` value that starts `session`.
    func setCookie(_ session: String) -> String {
        "\(Self.cookieName)=\(session); Path=/; Max-Age=\(Int(sessionLifetime)); HttpOnly; SameSite=Strict\(secureCookie ? "; Secure" : "")"
    }

    /// The entry of a valid, unexpired session.
    func session(_ value: String, now: Date) -> Entry? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "v1", let nameData = Self.unbase64url(String(parts[1])),
            let name = String(data: nameData, encoding: .utf8), let expires = Int64(parts[3]),
            Double(expires) > now.timeIntervalSince1970
        else { return nil }
        let body = parts[0..<5].joined(separator: ".")
        for entry in entries where entry.name == name && entry.scope.rawValue == parts[2] {
            if Self.equal(Array(mac(body, entry).utf8), Array(parts[5].utf8)) { return entry }
        }
        return nil
    }

    /// The CSRF token of a session: what the page sends in `X-CSRF-Token` with a change.
    func csrf(for session: String) -> String {
        Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Data("csrf:\(session)".utf8), using: key)))
    }

    func csrfMatches(_ given: String?, session: String) -> Bool {
        guard let given else { return false }
        return Self.equal(Self.digest(given), Self.digest(csrf(for: session)))
    }

    private func mac(_ body: String, _ entry: Entry) -> String {
        Self.base64url(Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8) + Data(entry.digest), using: key)))
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

    // MARK: Bytes

    /// Constant time for equal lengths; digests and MACs always are.
    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64url(_ text: String) -> Data? {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return Data(base64Encoded: b64)
    }

    // MARK: Answers

    static var unauthorized: Problem {
        var p = Problem(
            .unauthorized, "Unauthorized",
            detail: "send Authorization: Bearer TOKEN (one of serve.tokens); a browser opens /?access_token=TOKEN once")
        p.headers[.wwwAuthenticate] = "Bearer"
        return p
    }

    static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, "Forbidden", detail: detail) }
}
