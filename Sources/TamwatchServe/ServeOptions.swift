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
    /// `guard.min_balance`: the account's balance is read once a minute while builds are
    /// watched, for `account.credits_low`.
    public var minBalance: Double?

    public init(listen: ListenAddress, tokens: [String]) {
        self.listen = listen
        self.tokens = tokens
    }
}
