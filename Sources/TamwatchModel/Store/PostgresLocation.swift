import Foundation

/// Where a PostgreSQL state store is: `postgres://user:password@host:port/database?sslmode=...`
/// (`postgresql://` too). TLS is required unless `sslmode` says `disable` (or `prefer` /
/// `allow`, which try TLS and fall back). The password is never shown: `description` masks it.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case require, prefer, disable }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Whether `text` names a PostgreSQL store rather than a file.
    public static func isURL(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }

    /// Parses the URL; the error says what is wrong with it, never its password.
    public init(url text: String) throws(PostgresURLError) {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw PostgresURLError("expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError("it has no host") }
        self.host = host
        self.port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresURLError("port \(port) is out of range") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError("it has no user name (postgres://USER@host/db)") }
        username = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : (path.removingPercentEncoding ?? path)
        tls = .require
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                case let other: throw PostgresURLError("sslmode '\(other)' is not disable, prefer or require")
                }
            default: throw PostgresURLError("unknown parameter '\(item.name)' (only sslmode is read)")
            }
        }
    }

    /// The URL with the password masked.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
            + (tls == .require ? "" : "?sslmode=\(tls.rawValue)")
    }
}
