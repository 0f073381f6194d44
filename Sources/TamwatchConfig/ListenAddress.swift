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
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
