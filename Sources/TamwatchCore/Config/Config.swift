import Foundation

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

    public var file: String?
    public var api = API()
    /// The SQLite state file, already resolved against the config file's folder.
    public var statePath = "tamwatch.sqlite"
    public var watch = Watch()
    /// A folder of the user's own templates, searched before the shipped ones (resolved against
    /// the config file's folder).
    public var templatesPath: String?
    public var channels: [ChannelConfig] = []
    public var rules: [RuleConfig] = []

    public init() {}
}

public enum ChannelType: String, Sendable, CaseIterable {
    case webhook, slack, mattermost, discord, teams, googlechat, email
}

/// A delivery target. Its secrets (`secret`, `password`, the URL of a chat webhook) are never logged.
public struct ChannelConfig: Sendable {
    public var name: String
    public var type: ChannelType
    public var url: String
    public var secrets: [String] = []
    public var headers: [HTTPHeader] = []
    public var from: String?
    public var to: [String] = []
    public var username: String?
    public var password: String?
    public var startTLS = true
    public var caFile: String?
    public var retry: [Duration]?
    /// Deliveries in flight at once on this channel.
    public var concurrency: Int?
    /// At most this many deliveries per interval (`10/s`, `1/s`, `30/m`).
    public var rateLimit: RateLimit?
    /// Per attempt, connect included.
    public var timeout: Duration?
    /// 4xx statuses retried rather than dead-lettered at once (`retry_statuses: [404, 409]`).
    public var retryStatuses: Set<Int> = []
    public var line: Int?

    public init(name: String, type: ChannelType, url: String, line: Int? = nil) {
        self.name = name
        self.type = type
        self.url = url
        self.line = line
    }

    /// The retry schedule: the channel's own, else the default (`RetrySchedule.webhookDefault`).
    public var retrySchedule: RetrySchedule { retry.map { RetrySchedule(delays: $0) } ?? .webhookDefault }

    /// Chat webhooks allow about one message per second; webhooks and email take more at once.
    public var effectiveConcurrency: Int {
        if let concurrency { return concurrency }
        switch type {
        case .webhook: return 16
        case .email: return 2
        default: return 1
        }
    }

    public var effectiveRateLimit: RateLimit? {
        if let rateLimit { return rateLimit }
        switch type {
        case .webhook, .email: return nil
        default: return RateLimit(count: 1, per: .seconds(1))
        }
    }

    public var effectiveTimeout: Duration { timeout ?? .seconds(30) }

    /// Changes when the channel's URL does: a disabled channel whose URL was fixed is enabled again.
    public var fingerprint: String { StableHash.hex128("\(type.rawValue)|\(url)") }
}

/// `count` deliveries per `per`, e.g. `10/s`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var per: Duration

    public init(count: Int, per: Duration) {
        self.count = count
        self.per = per
    }

    /// `10/s`, `1/s`, `30/m`, `100/1m`.
    public static func parse(_ text: String) -> RateLimit? {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
        let unit: Duration?
        switch parts[1] {
        case "s": unit = .seconds(1)
        case "m": unit = .seconds(60)
        case "h": unit = .seconds(3600)
        default: unit = DurationText.parse(parts[1])
        }
        guard let unit, unit > .zero else { return nil }
        return RateLimit(count: count, per: unit)
    }

    public var description: String { "\(count)/\(DurationText.format(per))" }
}

public struct RuleConfig: Sendable {
    public var name: String
    public var on: [String]
    public var matchers: [Matcher]
    public var to: [String]
    public var template: String?
    public var throttle: Duration?
    public var line: Int?

    public init(name: String, on: [String], matchers: [Matcher] = [], to: [String], template: String? = nil,
                throttle: Duration? = nil, line: Int? = nil) {
        self.name = name
        self.on = on
        self.matchers = matchers
        self.to = to
        self.template = template
        self.throttle = throttle
        self.line = line
    }
}
