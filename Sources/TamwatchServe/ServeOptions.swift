import TamwatchConfig

/// How `tamwatch serve` runs.
public struct ServeOptions: Sendable {
    public var listen: ListenAddress
    /// Bearer tokens; empty means none is needed (loopback only).
    public var tokens: [String]
    /// How long deliveries in flight get to finish when the service stops.
    public var drainTimeout: Duration = .seconds(10)
    /// How often an idle event stream gets a `: ping` comment.
    public var pingInterval: Duration = .seconds(15)
    /// How many events an event stream client may fall behind before it is dropped.
    public var streamBuffer = 1000
    /// The configured channels as the API shows them: name, type and host, never the URL.
    public var channels: [ChannelInfo] = []

    public init(listen: ListenAddress, tokens: [String]) {
        self.listen = listen
        self.tokens = tokens
    }
}

/// A channel without its secrets.
public struct ChannelInfo: Sendable {
    public var name: String
    public var type: String
    public var host: String

    public init(name: String, type: String, host: String) {
        self.name = name
        self.type = type
        self.host = host
    }

    /// The host of a channel's URL, and nothing else of it (no path, no token, no user).
    public init(_ config: ChannelConfig) {
        var rest = Substring(config.url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        self.init(name: config.name, type: config.type.rawValue, host: String(rest))
    }
}
