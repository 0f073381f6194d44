import Foundation
import TamwatchModel

/// The whole configuration; `config/tamwatch.yaml` is its documented example.
public struct TamwatchConfig: Sendable {
    public struct API: Sendable {
        public var baseURL = "https://api.openfunnel.dev"
        /// The API key; never logged. Falls back to `OPENFUNNEL_API_KEY`.
        public var key: String?
        public var pollInterval: Duration = .seconds(10)
        public var timeout: Duration = .seconds(30)
    }

    public struct Watch: Sendable {
        public var milestones: DiffSettings.Milestones = .list([1000, 5000, 10000])
        public var stallAfter: Duration? = .seconds(1800)
        /// The slowest a job is polled, however long it stays unchanged or paused.
        public var maxPollInterval: Duration = .seconds(300)
        /// How long 404 is taken for a just-submitted job that has not appeared yet.
        public var notFoundGrace: Duration = .seconds(30)
        /// How long transient faults (network, 5xx, 429, bad bodies) may last before the watch gives up.
        public var giveUpAfter: Duration = .seconds(900)

        public var diffSettings: DiffSettings { DiffSettings(milestones: milestones, stallAfter: stallAfter) }
    }

    /// `tamwatch serve`: where it listens, who may call it, and its limits.
    public struct Serve: Sendable {
        public var listen = ListenAddress(host: "127.0.0.1", port: 9477)
        /// Never logged, never shown; compared in constant time.
        public var tokens: [ServeToken] = []
        /// `https://tamwatch.example.com`: the address browsers and clients use when it is not
        /// the listen address (a proxy, a DNS name). Its host is accepted in `Host`, its origin in
        /// `Origin`, and with https the session cookie is `Secure`.
        public var externalURL: String?
        /// Other web origins whose pages may change things here (`https://ops.example.com`).
        public var allowedOrigins: [String] = []
        /// Open connections at once; nil: derived from the descriptor limit.
        public var maxConnections: Int?
        /// Active watches at once; past it, registering answers 429.
        public var maxWatches = 10_000
    }

    /// Said once at start: keys that still work but will not for long.
    public var deprecations: [String] = []

    /// What `job.terminal` carries of the list, and where a completed build's list is exported.
    public struct Results: Sendable {
        /// The first rows of the final page in `data.top`.
        public var top = 5
        /// Export each completed build here (already resolved against the config file's
        /// folder), then emit `job.results_ready`; nil exports nothing.
        public var dir: String?
        /// `csv` or `ndjson`.
        public var format = "csv"
    }

    /// The credit guard: a budget for every build, and a floor for the account's balance.
    public struct Guard: Sendable {
        /// Every build's budget, unless a watch gives its own; nil: no budget by default.
        public var maxCredits: Int?
        public var warnAt = 0.8
        public var action: CreditBudget.Action = .pause
        /// `account.credits_low` when the account's `credits_left` drops below this.
        public var minBalance: Double?

        public init() {}

        /// The budget of a watch: its own maximum and action, else these.
        public func budget(maxCredits own: Int? = nil, action ownAction: CreditBudget.Action? = nil) -> CreditBudget? {
            guard let max = own ?? maxCredits else { return nil }
            return CreditBudget(maxCredits: max, warnAt: warnAt, action: ownAction ?? action)
        }
    }

    public var file: String?
    public var api = API()
    /// The SQLite state file, already resolved against the config file's folder.
    public var statePath = "tamwatch.sqlite"
    /// `state.url`: the state in a PostgreSQL database instead of a file (shared by replicas).
    public var stateDatabase: PostgresLocation?
    /// How long finished jobs' events and sent deliveries are kept; nil keeps everything.
    /// Dead deliveries are kept until replayed or pruned by hand (`tamwatch prune --dead`).
    public var retention: Duration? = .seconds(30 * 86400)
    public var watch = Watch()
    /// A folder of the user's own templates, searched before the shipped ones (resolved against
    /// the config file's folder).
    public var templatesPath: String?
    public var channels: [ChannelConfig] = []
    public var rules: [RuleConfig] = []
    public var serve = Serve()
    public var results = Results()
    public var `guard` = Guard()

    public init() {}
}
