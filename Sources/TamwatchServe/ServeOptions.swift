import TamwatchApp
import TamwatchConfig
import TamwatchReplicas
import TamwatchStore

/// How `tamwatch serve` runs.
public struct ServeOptions: Sendable {
    public var listen: ListenAddress
    /// Bearer tokens with their scopes; empty means none is needed (loopback only).
    public var tokens: [ServeToken]
    /// The address clients use when it is not the listen address (see `RequestPolicy`).
    public var externalURL: String?
    /// Web origins besides its own whose pages may change things.
    public var allowedOrigins: [String] = []
    /// Open connections at once; past it the oldest connection that is not in the middle of a
    /// request is closed to make room (nil: derived from the descriptor limit at start).
    public var maxConnections: Int?
    /// A new connection's first request head, and a kept-alive connection's next one, must
    /// arrive within this; an event stream is exempt while it streams.
    public var idleTimeout: Duration = .seconds(15)
    /// A request's body must arrive within this.
    public var bodyTimeout: Duration = .seconds(30)
    /// Active watches at once; registering one more answers 429.
    public var maxWatches = 10_000
    /// How long deliveries in flight get to finish when the service stops.
    public var shutdownGrace: Duration = .seconds(10)
    /// How often an idle event stream gets a `: ping` comment.
    public var pingInterval: Duration = .seconds(15)
    /// How many events an event stream client may fall behind before it is dropped.
    public var streamBuffer = 1000
    /// The configured channels as the API shows them: name, type and host, never the URL.
    public var channels = ChannelDirectory()
    /// Reads the configuration again (`POST /-/reload`; SIGHUP goes to it directly); nil: the
    /// service runs without a configuration file, and a reload is refused.
    public var reloader: Reloader?
    /// `guard.min_balance`: the account's balance is read once a minute while builds are
    /// watched, for `account.credits_low`.
    public var minBalance: Double?
    /// Several replicas on one store: the watches this one holds (nil: it is the only one).
    var shared: SharedWatches?
    /// With a shared store: where this replica hears the others' changes as they commit (nil:
    /// it looks every second instead, and at every lease turn).
    public var changes: (any StoreChanges)?

    /// Shares the store's watches with other replicas under leases of `ttl`, renewed and
    /// rebalanced every `sweep`.
    public mutating func share(_ leases: any WatchLeases, owner: String, ttl: Duration = .seconds(30), sweep: Duration = .seconds(5)) {
        shared = SharedWatches(leases: leases, owner: owner, ttl: ttl, sweep: sweep)
    }

    public init(listen: ListenAddress, tokens: [ServeToken]) {
        self.listen = listen
        self.tokens = tokens
    }
}
