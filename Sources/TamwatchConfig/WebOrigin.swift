import Foundation

/// A web origin, `scheme://host[:port]`, as browsers send it in `Origin`: lowercased, without
/// the scheme's default port. Read from `serve.external_url` (a path after it is ignored) and
/// `serve.allowed_origins`.
public struct WebOrigin: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?

    public init?(_ text: String) {
        let lower = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let sep = lower.range(of: "://") else { return nil }
        scheme = String(lower[..<sep.lowerBound])
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = lower[sep.upperBound...]
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        guard !rest.isEmpty, !rest.contains("@") else { return nil }
        var hostPart = Substring(rest)
        port = nil
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("]") {
            guard let n = Int(rest[rest.index(after: colon)...]), (1...65535).contains(n) else { return nil }
            hostPart = rest[..<colon]
            if n != (scheme == "https" ? 443 : 80) { port = n }
        }
        guard !hostPart.isEmpty, !hostPart.contains(where: { $0 == " " || $0 == "%" }) else { return nil }
        host = String(hostPart)
    }

    public static func problem(_ text: String) -> String {
        "'\(text)' is not a web origin like https://tamwatch.example.com or http://10.0.0.5:9477"
    }

    public var description: String { "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")" }
}
