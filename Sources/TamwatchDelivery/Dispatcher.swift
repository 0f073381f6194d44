import Foundation
import Logging
import Synchronization
import TamwatchChannels
import TamwatchModel
import TamwatchStore

/// Sends due deliveries from the outbox, concurrently, within each channel's concurrency cap and
/// rate limit; records every attempt; schedules retries; dead-letters and disables channels.
///
/// One loop owns the scheduling state. It wakes when deliveries are queued (`wake()`), when an
/// attempt finishes, and when the next delivery falls due. Attempts finished together are
/// recorded in one transaction. Every attempt is a child task of `run`, which returns only once
/// each has finished and been recorded (or its claim given back).
public final class Dispatcher: Sendable {
    public let store: any Outbox
    /// The channels it sends to by name; a reload replaces them (`replace(channels:)`).
    var channels: [String: any DeliveryChannel] { configured.withLock { $0.channels } }
    /// The channels and which of them are ordered, as one turn sees them.
    var turnChannels: (channels: [String: any DeliveryChannel], ordered: Set<String>) {
        configured.withLock { ($0.channels, $0.ordered) }
    }
    /// Channels a reload took away, with why: what they still have queued is dead-lettered.
    var retired: [String: String] { configured.withLock { $0.retired } }
    private let configured: Mutex<Configured>

    /// The configuration-scoped part a reload replaces; `ordered` is worked out once per set.
    private struct Configured {
        var channels: [String: any DeliveryChannel]
        var ordered: Set<String>
        var retired: [String: String] = [:]

        init(_ list: [any DeliveryChannel]) {
            channels = Dictionary(list.map { ($0.config.name, $0) }, uniquingKeysWith: { first, _ in first })
            ordered = Set(channels.values.filter(\.config.isOrdered).map(\.config.name))
        }
    }
    /// Channels enabled again in the store (a replay) since the loop last looked.
    private let enabledAgain = Mutex<Set<String>>([])
    let clock: any WatchClock
    let logger: Logger
    let jitter: @Sendable () -> Double
    /// This dispatcher's claims on the outbox: an id of its own and a lease it renews while sending.
    let lease: ClaimLease
    /// True when this process holds the state file's writer lock: every claim it finds at start
    /// was left by a process that died, and is taken back at once.
    let exclusive: Bool
    /// With a store other processes write to (replicas): look at the outbox at least this often,
    /// for what they queued or left behind (a claim of one that died runs out).
    let lookEvery: Duration?
    /// When set, only this replay batch is sent (`replay` sends what it names, nothing else).
    let batch: String?
    /// Masks configured secrets in providers' answers before they are stored or logged.
    let redactor: Redactor

    private let signal = WakeSignal()
    private let shared = Mutex(Shared())
    private let inFlightCount = Atomic<Int>(0)

    private struct Shared {
        var finished: [Finished] = []
        var watchers: [UInt64: WakeSignal] = [:]
        var nextWatcher: UInt64 = 0
    }

    struct Finished: Sendable {
        var delivery: StoredDelivery
        var outcome: AttemptOutcome
        var at: Date
        var duration: Duration = .zero
    }

    /// Told of every finished attempt (the service's metrics).
    let observe: @Sendable (AttemptReport) -> Void
    private let quiescing = Atomic<Bool>(false)
    var isQuiescing: Bool { quiescing.load(ordering: .relaxed) }

    public init(
        store: any Outbox, channels: [any DeliveryChannel], clock: any WatchClock = SystemClock(),
        logger: Logger = Logger(label: "tamwatch.deliver"),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        owner: String = "dispatcher-" + UUID().uuidString.lowercased(), exclusive: Bool = false, batch: String? = nil,
        redactor: Redactor = Redactor(), lookEvery: Duration? = nil, claimGrace: Duration = .seconds(30),
        observe: @escaping @Sendable (AttemptReport) -> Void = { _ in }
    ) {
        self.lookEvery = lookEvery
        self.observe = observe
        self.redactor = redactor
        self.exclusive = exclusive
        self.batch = batch
        // A claim outlives the longest attempt by `claimGrace` (half a minute unless told); it is
        // renewed every third of that. A dispatcher that died leaves its claims for that long.
        let longest = channels.map(\.config.effectiveTimeout).max() ?? .seconds(30)
        lease = ClaimLease(owner: owner, duration: longest.seconds + max(1, claimGrace.seconds))
        self.store = store
        configured = Mutex(Configured(channels))
        self.clock = clock
        self.logger = logger
        self.jitter = jitter
    }

    /// The channels this dispatcher can send to.
    public var channelNames: [String] { channels.keys.sorted() }

    /// Tells the running loop that these channels were enabled again in the store (it keeps the
    /// disabled ones in memory, and would dead-letter their deliveries until told).
    public func enabled(channels: [String]) {
        enabledAgain.withLock { $0.formUnion(channels) }
        wake()
    }

    func takeEnabled() -> Set<String> {
        enabledAgain.withLock { set in
            defer { set.removeAll() }; return set
        }
    }

    func forgetRetired(_ names: [String]) {
        guard !names.isEmpty else { return }
        configured.withLock { c in for name in names { c.retired[name] = nil } }
    }

    /// A reload's channels: from the next turn on, a pending delivery is sent with its channel's
    /// new URL, secret and limits (attempts in flight finish as they started), and what a removed
    /// channel still has queued is dead-lettered with that reason.
    public func replace(channels new: [any DeliveryChannel]) {
        let next = Configured(new)
        configured.withLock { c in
            var retired = c.retired
            for name in c.channels.keys where next.channels[name] == nil { retired[name] = "channel removed from the configuration" }
            for name in next.channels.keys { retired[name] = nil }
            c = next
            c.retired = retired
        }
        wake()
    }

    /// Deliveries were queued: look for due work now.
    public func wake() { signal.signal() }

    /// Runs until its task is cancelled; then records the attempts that finished and gives back
    /// the claims of those cut short.
    public func run() async throws(StoreError) {
        var loop = Loop(dispatcher: self)
        if exclusive { _ = try await store.releaseAllClaims() }
        loop.disabled = try await store.disabledChannels()
        let failure = await withDiscardingTaskGroup { group -> StoreError? in
            defer { group.cancelAll() }
            do throws(StoreError) {
                while !Task.isCancelled {
                    try await loop.step(&group)
                    if Task.isCancelled { break }
                    let clock = self.clock
                    await signal.wait(until: loop.wakeAt, clock: clock)
                }
            } catch {
                // Stopping mid-query is not a store failure.
                return Task.isCancelled ? nil : error
            }
            return nil
        }
        await loop.stop()
        if let failure { throw failure }
    }

    /// Waits until the deliveries of these jobs (or of this replay batch) are settled (sent or
    /// dead), at most `timeout`; returns what is still pending. Returns early when nothing left
    /// can fall due before the time is up.
    public func drain(jobIds: [String]?, batch: String? = nil, timeout: Duration) async throws(StoreError) -> PendingSummary {
        let (changed, token) = watchChanges()
        defer { stopWatching(token) }
        let clock = self.clock
        // The deadline is on the monotonic clock; due times in the outbox are wall instants.
        let deadline = clock.uptime() + timeout
        let channels = channelNames
        while true {
            let pending = try await store.pending(jobIds: jobIds, batch: batch, channels: channels, countAll: false)
            if pending.count == 0 { return pending }
            let left = deadline - clock.uptime()
            let dueBeforeDeadline = (pending.nextAt ?? .distantFuture) <= clock.now().addingTimeInterval(left.seconds)
            if left <= .zero || Task.isCancelled || (inFlightCount.load(ordering: .relaxed) == 0 && !dueBeforeDeadline) {
                return try await store.pending(jobIds: jobIds, batch: batch, channels: channels, countAll: true)
            }
            await changed.wait(until: deadline, clock: clock)
        }
    }

    func finished(_ f: Finished) {
        shared.withLock { $0.finished.append(f) }
        signal.signal()
    }

    func takeFinished() -> [Finished] {
        shared.withLock { s in
            let out = s.finished
            s.finished.removeAll(keepingCapacity: true)
            return out
        }
    }

    /// Starts nothing new and claims nothing more; waits up to `timeout` for the attempts in
    /// flight to finish (they are recorded as they do). Returns how many are still in flight.
    public func quiesce(timeout: Duration) async -> Int {
        quiescing.store(true, ordering: .relaxed)
        signal.signal()
        let (changed, token) = watchChanges()
        defer { stopWatching(token) }
        let deadline = clock.uptime() + timeout
        while inFlightCount.load(ordering: .relaxed) > 0 && clock.uptime() < deadline && !Task.isCancelled {
            await changed.wait(until: deadline, clock: clock)
        }
        return inFlightCount.load(ordering: .relaxed)
    }

    /// A signal for every change to the outbox this dispatcher makes (until `stopWatching`).
    private func watchChanges() -> (WakeSignal, UInt64) {
        let changed = WakeSignal()
        let token = shared.withLock { s -> UInt64 in
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = changed
            return s.nextWatcher
        }
        return (changed, token)
    }

    private func stopWatching(_ token: UInt64) { _ = shared.withLock { $0.watchers.removeValue(forKey: token) } }

    func notifyWatchers() {
        let watchers = shared.withLock { Array($0.watchers.values) }
        for w in watchers { w.signal() }
    }

    func adjustInFlight(_ delta: Int) { inFlightCount.add(delta, ordering: .relaxed) }

    /// Called for every finished attempt: builds no text for a success unless debug logging is on.
    func log(_ f: Finished, _ record: AttemptRecord) {
        let d = f.delivery.delivery
        observe(AttemptReport(channel: d.channel, result: record.result, duration: f.duration, queuedAt: d.createdAt, at: f.at))
        var what: String { "\(d.eventType.rawValue) for job \(d.jobId) to \(d.channel)" }
        switch record.result {
        case .sent: logger.debug("delivered \(what) (\(f.outcome.httpStatus.map { "HTTP \($0)" } ?? "ok"))")
        case .retry(let at):
            logger.warning(
                "delivery \(d.id) (\(what)) failed: \(record.error ?? "?"); attempt \(record.failures + 1) in \(DurationText.format(.milliseconds(Int64(at.timeIntervalSince(f.at) * 1000))))"
            )
        case .dead: logger.error("delivery \(d.id) (\(what)) is dead: \(record.error ?? "?"); resend with: tamwatch replay \(d.id)")
        }
    }
}
