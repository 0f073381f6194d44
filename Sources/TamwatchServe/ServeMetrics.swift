import CoreMetrics
import Foundation
import Prometheus
import Synchronization
import TamwatchDelivery
import TamwatchModel
import TamwatchStore
import TamwatchWatch

private typealias Counter = CoreMetrics.Counter
private typealias Timer = CoreMetrics.Timer
typealias Gauge = CoreMetrics.Gauge
private typealias FloatingPointCounter = CoreMetrics.FloatingPointCounter

/// What `/metrics` shows: swift-metrics objects backed by this server's own Prometheus registry
/// (no global bootstrap, so tests can run several servers). Names and labels are part of the
/// contract; every label set of a known value exists from the start, at zero.
public final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: DescribedMetricsFactory
    private let polls: [PollResult: Counter]
    private let pollDuration: Timer
    private let events: [EventType: Counter]
    /// Each channel's delivery metrics; a reload that adds a channel adds its set.
    private struct ChannelMetrics {
        let deliveries: [String: Counter]
        let attemptDuration: Timer
        let latency: Timer
        let pending: Gauge
        let dead: Gauge
    }
    private let perChannel = Mutex<[String: ChannelMetrics]>([:])
    private let oldestPending: Gauge
    private let credits: FloatingPointCounter
    let sseClients: Gauge
    private let reloadSuccessful: Gauge
    private let reloadSuccessAt: Gauge
    private let configHash: Gauge
    private let watches = Mutex<[String: Gauge]>([:])
    /// With replicas: the shared watches as the last lease turn counted them (made at the first).
    private let sharedGauges = Mutex<[String: Gauge]>([:])
    private let http = Mutex<[String: (Counter, Timer)]>([:])

    static let knownStatuses = ["pending", "running", "pausing", "paused", "cancelling", "completed", "failed", "cancelled"]

    /// Every metric's `# HELP` text.
    static let help = [
        "tamwatch_build_info": "Always 1; the version label says which tamwatch runs.",
        "tamwatch_watches": "Watches by their build's last seen status.",
        "tamwatch_polls_total": "Polls of OpenFunnel's API, by result.",
        "tamwatch_poll_duration_seconds": "How long one poll of OpenFunnel's API took.",
        "tamwatch_events_total": "Events stored, by type.",
        "tamwatch_deliveries_total": "Delivery attempts, by channel and result (sent, retry, dead).",
        "tamwatch_delivery_attempt_duration_seconds": "How long one delivery attempt took, by channel.",
        "tamwatch_delivery_latency_seconds": "From a delivery queued with its event to its acknowledgement, retries included, by channel.",
        "tamwatch_outbox_pending": "Deliveries waiting to be sent, by channel.",
        "tamwatch_outbox_dead": "Dead deliveries (refused, or out of retries), by channel.",
        "tamwatch_outbox_oldest_pending_age_seconds": "Age of the oldest delivery waiting to be sent.",
        "tamwatch_credits_consumed_total": "OpenFunnel credits the watched builds consumed.",
        "tamwatch_sse_clients": "Clients connected to the event stream.",
        "tamwatch_config_last_reload_successful": "1 when the last configuration reload succeeded, else 0.",
        "tamwatch_config_last_reload_success_timestamp_seconds": "When the configuration was last loaded successfully (Unix time).",
        "tamwatch_config_hash": "A hash of the configuration in use: it changes when a reload applies a change.",
        "tamwatch_replicas_live": "Replicas on the shared database, as the last lease turn counted them.",
        "tamwatch_watches_held": "Watches this replica polls.",
        "tamwatch_shared_watches_active": "Active watches across every replica.",
        "tamwatch_shared_watches_unheld": "Active watches no live replica holds (non-zero only during a takeover).",
        "tamwatch_http_requests_total": "HTTP requests answered, by method, route and status.",
        "tamwatch_http_request_duration_seconds": "How long answering one HTTP request took, by method, route and status.",
    ]

    public init(channels: [String]) {
        let seconds: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30].map { .milliseconds(Int64($0 * 1000)) }
        // Committed to acknowledged includes retries: up to hours.
        let latency: [Duration] = [0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600, 14400].map { .milliseconds(Int64($0 * 1000)) }
        let factory = DescribedMetricsFactory(
            registry: registry, help: Self.help, buckets: ["tamwatch_delivery_latency_seconds": latency], defaultBuckets: seconds)
        self.factory = factory
        Gauge(label: "tamwatch_build_info", dimensions: [("version", TamwatchVersion.current)], factory: factory).record(1)
        polls = Dictionary(
            uniqueKeysWithValues: PollResult.allCases.map {
                ($0, Counter(label: "tamwatch_polls_total", dimensions: [("result", $0.rawValue)], factory: factory))
            })
        pollDuration = Timer(label: "tamwatch_poll_duration_seconds", factory: factory)
        events = Dictionary(
            uniqueKeysWithValues: EventType.allCases.map {
                ($0, Counter(label: "tamwatch_events_total", dimensions: [("type", $0.rawValue)], factory: factory))
            })
        oldestPending = Gauge(label: "tamwatch_outbox_oldest_pending_age_seconds", factory: factory)
        credits = FloatingPointCounter(label: "tamwatch_credits_consumed_total", factory: factory)
        sseClients = Gauge(label: "tamwatch_sse_clients", factory: factory)
        sseClients.record(0)
        reloadSuccessful = Gauge(label: "tamwatch_config_last_reload_successful", factory: factory)
        reloadSuccessAt = Gauge(label: "tamwatch_config_last_reload_success_timestamp_seconds", factory: factory)
        configHash = Gauge(label: "tamwatch_config_hash", factory: factory)
        oldestPending.record(0)
        for status in Self.knownStatuses { watchGauge(status).record(0) }
        self.channels(channels)
    }

    /// The configured channels: each one's label sets exist from then on, at zero (a reload
    /// calls it with the new list; a removed channel's series stay as they were).
    public func channels(_ names: [String]) {
        let factory = self.factory
        perChannel.withLock { all in
            for channel in names where all[channel] == nil {
                let dims = [("channel", channel)]
                all[channel] = ChannelMetrics(
                    deliveries: Dictionary(
                        uniqueKeysWithValues: ["sent", "retry", "dead"].map {
                            ($0, Counter(label: "tamwatch_deliveries_total", dimensions: dims + [("result", $0)], factory: factory))
                        }),
                    attemptDuration: Timer(label: "tamwatch_delivery_attempt_duration_seconds", dimensions: dims, factory: factory),
                    latency: Timer(label: "tamwatch_delivery_latency_seconds", dimensions: dims, factory: factory),
                    pending: Gauge(label: "tamwatch_outbox_pending", dimensions: dims, factory: factory),
                    dead: Gauge(label: "tamwatch_outbox_dead", dimensions: dims, factory: factory))
            }
        }
    }

    /// The configuration in force: loaded at start, or by a reload (`succeeded` false keeps the
    /// last success's time and hash). The hash is the file's FNV-1a, its top 53 bits as a number.
    public func configLoaded(succeeded: Bool, at: Date, hash: UInt64) {
        reloadSuccessful.record(succeeded ? 1 : 0)
        guard succeeded else { return }
        reloadSuccessAt.record(at.timeIntervalSince1970)
        configHash.record(Double(hash >> 11))
    }

    func polled(_ result: PollResult, _ duration: Duration) {
        polls[result]?.increment()
        pollDuration.recordNanoseconds(duration.nanoseconds)
    }

    func committed(_ events: [Event]) {
        for event in events { self.events[event.type]?.increment() }
    }

    func creditsConsumed(_ delta: Double) { if delta > 0 { credits.increment(by: delta) } }

    public func attempted(_ report: AttemptReport) {
        let result: String
        switch report.result {
        case .sent: result = "sent"
        case .retry: result = "retry"
        case .dead: result = "dead"
        }
        guard let m = perChannel.withLock({ $0[report.channel] }) else { return }
        m.deliveries[result]?.increment()
        m.attemptDuration.recordNanoseconds(report.duration.nanoseconds)
        if case .sent = report.result {
            m.latency.recordNanoseconds(Int64(max(0, report.at.timeIntervalSince(report.queuedAt)) * 1e9))
        }
    }

    func request(method: String, route: String, status: Int, duration: Duration) {
        let key = "\(method) \(route) \(status)"
        let (count, time) = http.withLock { cache in
            if let pair = cache[key] { return pair }
            let dims = [("method", method), ("route", route), ("status", String(status))]
            let pair = (
                Counter(label: "tamwatch_http_requests_total", dimensions: dims, factory: factory),
                Timer(label: "tamwatch_http_request_duration_seconds", dimensions: dims, factory: factory)
            )
            cache[key] = pair
            return pair
        }
        count.increment()
        time.recordNanoseconds(duration.nanoseconds)
    }

    /// With replicas, at every lease turn: the live replicas, the watches this one holds, and
    /// the active watches across all of them, and of those, how many nobody holds.
    func leases(_ census: LeaseCensus, held: Int) {
        let values = [
            "tamwatch_replicas_live": census.liveOwners, "tamwatch_watches_held": held,
            "tamwatch_shared_watches_active": census.activeWatches, "tamwatch_shared_watches_unheld": census.unheldWatches,
        ]
        sharedGauges.withLock { gauges in
            for (label, value) in values {
                let gauge = gauges[label] ?? Gauge(label: label, factory: factory)
                gauges[label] = gauge
                gauge.record(value)
            }
        }
    }

    /// Sets the gauges that are read from state at scrape time, then renders everything.
    func scrape(watchCounts: [String: Int], outbox: [ChannelSummary], now: Date) -> [UInt8] {
        for (status, n) in watchCounts { watchGauge(status).record(n) }
        for status in Self.knownStatuses where watchCounts[status] == nil { watchGauge(status).record(0) }
        let byChannel = Dictionary(outbox.map { ($0.channel, $0) }, uniquingKeysWith: { a, _ in a })
        for (channel, m) in perChannel.withLock({ $0 }) {
            m.pending.record(byChannel[channel]?.pending ?? 0)
            m.dead.record(byChannel[channel]?.dead ?? 0)
        }
        let oldest = outbox.compactMap(\.oldestPendingAt).min()
        oldestPending.record(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        return registry.emitToBuffer()
    }

    private func watchGauge(_ status: String) -> Gauge {
        watches.withLock { gauges in
            if let g = gauges[status] { return g }
            let g = Gauge(label: "tamwatch_watches", dimensions: [("status", status)], factory: factory)
            gauges[status] = g
            return g
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
