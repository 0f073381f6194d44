import Foundation
import TamwatchModel

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
    /// Each job's deliveries one at a time, in the order they were queued (`ordered:`).
    public var ordered: Bool?
    /// 4xx statuses retried rather than dead-lettered at once (`retry_statuses: [404, 409]`).
    public var retryStatuses: Set<Int> = []
    public var line: Int?
    /// Email: attach the exported list (`results:`) to `job.results_ready` deliveries.
    public var attachResults = false
    /// Email: a larger results file is not attached; the message says where it is instead.
    public var maxAttachment = 10 * 1024 * 1024

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

    /// People read chat and email in the order it arrives: one delivery in flight per job, in
    /// sequence (a failing one holds the later ones until it is sent or dead). A webhook keeps its
    /// concurrency; its receiver orders by `sequence`.
    public var isOrdered: Bool { ordered ?? (type != .webhook) }

    /// Changes when the channel's URL does: a disabled channel whose URL was fixed is enabled again.
    public var fingerprint: String { StableHash.hex128("\(type.rawValue)|\(url)") }
}
