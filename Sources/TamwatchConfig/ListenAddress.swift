import Foundation

/// Where `tamwatch serve` listens: `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` for every address.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        self.host = host
        self.port = port
    }

    /// Why `text` is not an address, for an error message.
    public static func problem(_ text: String) -> String {
        "'\(text)' is not HOST:PORT (e.g. 127.0.0.1:9477, [::1]:9477, 0.0.0.0:9477; port 0 picks a free one)"
    }

    /// Only this machine can connect: no token is needed here.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`: parsed as addresses, so that a name
    /// like `127.evil.example` is not taken for one.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }

    /// Whether `host` is an IP address literal (v4, or v6 without brackets).
    public static func isAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
