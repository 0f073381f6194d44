import Foundation
import Logging
import Synchronization
import TamwatchConfig
import TamwatchHTTP
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
    let channels: [String: any DeliveryChannel]
    let clock: any WatchClock
    let logger: Logger
    let jitter: @Sendable () -> Double
    /// This dispatcher's claims on the outbox: an id of its own and a lease it renews while sending.
    let lease: ClaimLease
    /// True when this process holds the state file's writer lock: every claim it finds at start
    /// was left by a process that died, and is taken back at once.
    let exclusive: Bool
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
    }

    public init(store: any Outbox, channels: [any DeliveryChannel], clock: any WatchClock = SystemClock(),
                logger: Logger = Logger(label: "tamwatch.deliver"),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                owner: String = "dispatcher-" + UUID().uuidString.lowercased(), exclusive: Bool = false, batch: String? = nil,
                redactor: Redactor = Redactor()) {
        self.redactor = redactor
        self.exclusive = exclusive
        self.batch = batch
        // A claim outlives the longest attempt by half a minute; it is renewed every third of that.
        let longest = channels.map(\.config.effectiveTimeout).max() ?? .seconds(30)
        lease = ClaimLease(owner: owner, duration: longest.seconds + 30)
        self.store = store
        self.channels = Dictionary(channels.map { ($0.config.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.clock = clock
        self.logger = logger
        self.jitter = jitter
    }

    /// The channels this dispatcher can send to.
    public var channelNames: [String] { channels.keys.sorted() }

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
                    await signal.wait(atMost: loop.wakeAt.map { $0 - clock.uptime() }, clock: clock)
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
        let changed = WakeSignal()
        let token = shared.withLock { s -> UInt64 in
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = changed
            return s.nextWatcher
        }
        defer { _ = shared.withLock { $0.watchers.removeValue(forKey: token) } }
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
            await changed.wait(atMost: left, clock: clock)
        }
    }

    fileprivate func finished(_ f: Finished) {
        shared.withLock { $0.finished.append(f) }
        signal.signal()
    }

    fileprivate func takeFinished() -> [Finished] {
        shared.withLock { s in
            let out = s.finished
            s.finished.removeAll(keepingCapacity: true)
            return out
        }
    }

    fileprivate func notifyWatchers() {
        let watchers = shared.withLock { Array($0.watchers.values) }
        for w in watchers { w.signal() }
    }

    fileprivate func adjustInFlight(_ delta: Int) { inFlightCount.add(delta, ordering: .relaxed) }

    /// The scheduling state, owned by `run`'s loop.
    private struct Loop {
        let dispatcher: Dispatcher
        var inFlight: [String: Int] = [:]
        /// The deliveries being sent, each by a child task of `run`.
        var running: Set<String> = []
        var buckets: [String: TokenBucket] = [:]
        /// Channels paused by a 429 or 503, until this uptime.
        var blockedUntil: [String: Duration] = [:]
        var disabled: [String: DisabledChannel] = [:]
        var toDisable: [DisabledChannel] = []
        /// When the loop next looks without being woken (a retry or rate limit falls due), as an uptime.
        var wakeAt: Duration?
        var lastRenewal: Duration?

        init(dispatcher: Dispatcher) { self.dispatcher = dispatcher }

        var store: any Outbox { dispatcher.store }

        /// One turn of the loop: records the attempts that finished, claims what is due within
        /// each channel's limits (both in one transaction), starts those attempts, and sets the
        /// timer for the next moment something can be sent.
        mutating func step(_ group: inout DiscardingTaskGroup) async throws(StoreError) {
            let records = takeFinished()
            // Disabled before anything else is claimed or recorded: once a queue is dead-lettered,
            // the channel's state already says why.
            try await disableChannels()
            let now = dispatcher.clock.now()
            let uptime = dispatcher.clock.uptime()
            // Wake-ups as uptimes: pauses and rate limits are intervals; a wall due time is
            // turned into one from how far ahead of the wall clock it is.
            var wakeAt: Duration?
            func earliest(_ d: Duration) { wakeAt = min(wakeAt ?? d, d) }
            func earliest(wall due: Date) { earliest(uptime + .milliseconds(Int64((due.timeIntervalSince(now) * 1000).rounded(.up)))) }

            // How many each channel may start now; a disabled channel's new deliveries go dead.
            var wanted: [(channel: String, limit: Int)] = []
            var deadLetter: [(channel: String, reason: String)] = []
            for (name, channel) in dispatcher.channels.sorted(by: { $0.key < $1.key }) {
                let config = channel.config
                if let off = disabled[name] {
                    if off.fingerprint == config.fingerprint {
                        deadLetter.append((name, "channel disabled: \(off.reason)"))
                        continue
                    }
                    // The URL changed since the channel was disabled: try it again.
                    try await store.enable(channels: [name])
                    disabled[name] = nil
                    dispatcher.logger.notice("channel \(name): its URL changed since it was disabled; sending to it again")
                }
                if let until = blockedUntil[name] {
                    if until > uptime { earliest(until); continue }
                    blockedUntil[name] = nil
                }
                var free = config.effectiveConcurrency - inFlight[name, default: 0]
                guard free > 0 else { continue }
                if let limit = config.effectiveRateLimit {
                    var bucket = buckets[name] ?? TokenBucket(limit: limit, now: uptime)
                    bucket.refill(now: uptime)
                    buckets[name] = bucket
                    free = min(free, bucket.whole)
                    if free == 0 { earliest(bucket.nextTokenAt(now: uptime)); continue }
                }
                wanted.append((name, free))
            }

            // Claims on deliveries still being sent are renewed, in this turn's transaction, once a
            // third of the lease has gone. No timer is needed for it: the lease outlives the
            // longest attempt by half a minute, and attempts that finish bring turns anyway.
            var renew: [String] = []
            if running.isEmpty {
                lastRenewal = nil
            } else if let last = lastRenewal, uptime - last >= .milliseconds(Int64(dispatcher.lease.duration * 1000 / 3)) {
                renew = Array(running)
                lastRenewal = uptime
            }
            let exchange = try await store.exchange(records: records, claims: wanted, deadLetter: deadLetter, renew: renew, now: now,
                                                    lease: dispatcher.lease, batch: dispatcher.batch)
            var drained = exchange.deadLettered > 0 || records.contains { $0.result == .dead }
            for (name, limit) in wanted {
                let claimed = exchange.claimed[name] ?? []
                if let channel = dispatcher.channels[name] {
                    for d in claimed { start(d, on: channel, in: &group) }
                }
                if !claimed.isEmpty { buckets[name]?.take(claimed.count) }
                if claimed.count < limit { drained = true }
                else if let bucket = buckets[name], bucket.whole == 0 { earliest(bucket.nextTokenAt(now: uptime)) }
            }
            // A claim made this turn counts as fresh for the renewal below.
            if !running.isEmpty, lastRenewal == nil { lastRenewal = uptime }
            if let due = exchange.nextDue {
                // Due now but not claimed: another process holds it, or a claim raced; look again shortly.
                earliest(wall: max(due, now.addingTimeInterval(0.05)))
            }
            self.wakeAt = wakeAt
            // A drain only needs a look once a queue ran dry or something was dead-lettered.
            if (!records.isEmpty || exchange.deadLettered > 0) && (drained || wanted.isEmpty) { dispatcher.notifyWatchers() }
        }

        /// Turns the attempts that finished into records; pauses and disables channels that asked.
        mutating func takeFinished() -> [AttemptRecord] {
            var records: [AttemptRecord] = []
            for f in dispatcher.takeFinished() {
                let d = f.delivery
                running.remove(d.id)
                inFlight[d.delivery.channel, default: 1] -= 1
                dispatcher.adjustInFlight(-1)
                let channel = dispatcher.channels[d.delivery.channel]
                let record = self.record(f)
                records.append(record)
                if case .retry(_, let retryAfter) = f.outcome.outcome, let status = f.outcome.httpStatus, status == 429 || status == 503 {
                    // A channel that says "slow down" (429, 503) is paused as a whole, not one
                    // delivery at a time. Another answer's Retry-After delays that delivery only.
                    let uptime = dispatcher.clock.uptime()
                    if let retryAfter { block(d.delivery.channel, until: uptime + retryAfter) }
                    else if status == 429, case .retry(let at) = record.result {
                        block(d.delivery.channel, until: uptime + .milliseconds(Int64(max(0, at.timeIntervalSince(f.at)) * 1000)))
                    }
                }
                if case .disableChannel(let reason) = f.outcome.outcome, let config = channel?.config {
                    toDisable.append(DisabledChannel(channel: config.name, fingerprint: config.fingerprint,
                                                     reason: dispatcher.redactor.redact(reason),
                                                     since: f.at))
                    disabled[config.name] = toDisable.last
                }
                dispatcher.log(f, record)
            }
            return records
        }

        /// Stores the channels disabled this turn and dead-letters their queues.
        mutating func disableChannels() async throws(StoreError) {
            guard !toDisable.isEmpty else { return }
            for entry in toDisable {
                let dropped = try await store.disable(entry)
                dispatcher.logger.error("channel \(entry.channel) disabled: \(entry.reason); \(dropped) queued deliveries dead-lettered. Fix the channel, then: tamwatch replay --dead --channel \(entry.channel)")
            }
            toDisable.removeAll()
            dispatcher.notifyWatchers()
        }

        mutating func block(_ channel: String, until: Duration) {
            blockedUntil[channel] = max(blockedUntil[channel] ?? until, until)
        }

        /// What a finished attempt comes to, on its channel's retry schedule.
        func record(_ f: Finished) -> AttemptRecord {
            let schedule = dispatcher.channels[f.delivery.delivery.channel]?.config.retrySchedule ?? .webhookDefault
            var record = Self.record(f, schedule: schedule, draw: dispatcher.jitter())
            record.error = dispatcher.redactor.redact(record.error)
            return record
        }

        static func record(_ f: Finished, schedule: RetrySchedule, draw: Double) -> AttemptRecord {
            let d = f.delivery
            switch f.outcome.outcome {
            case .delivered:
                return AttemptRecord(id: d.id, result: .sent, at: f.at, failures: d.failures, httpStatus: f.outcome.httpStatus, error: nil)
            case .retry(let reason, let retryAfter):
                let failures = d.failures + 1
                guard let wait = schedule.delay(afterFailedAttempts: failures, retryAfter: retryAfter, draw: draw) else {
                    return AttemptRecord(id: d.id, result: .dead, at: f.at, failures: failures, httpStatus: f.outcome.httpStatus,
                                         error: "gave up after \(failures) failed attempts: \(reason)")
                }
                return AttemptRecord(id: d.id, result: .retry(at: f.at.addingTimeInterval(wait.seconds)), at: f.at,
                                     failures: failures, httpStatus: f.outcome.httpStatus, error: reason)
            case .dead(let reason), .disableChannel(let reason):
                return AttemptRecord(id: d.id, result: .dead, at: f.at, failures: d.failures + 1, httpStatus: f.outcome.httpStatus, error: reason)
            }
        }

        mutating func start(_ d: StoredDelivery, on channel: any DeliveryChannel, in group: inout DiscardingTaskGroup) {
            inFlight[d.delivery.channel, default: 0] += 1
            dispatcher.adjustInFlight(1)
            let dispatcher = self.dispatcher
            running.insert(d.id)
            group.addTask {
                let at = dispatcher.clock.now()
                let outcome = await channel.send(d.delivery, now: at)
                dispatcher.finished(Finished(delivery: d, outcome: outcome, at: dispatcher.clock.now()))
            }
        }

        /// Once every attempt has returned (those cut short by cancellation too): records those
        /// that finished, frees the others' claims.
        mutating func stop() async {
            let done = dispatcher.takeFinished().filter { f in
                if case .retry(let reason, _) = f.outcome.outcome, reason == TransportError.cancelled.description { return false }
                return true
            }
            let recorded = Set(done.map(\.delivery.id))
            let records = done.map(record)
            try? await store.record(records, owner: dispatcher.lease.owner)
            try? await store.releaseClaims(ids: running.filter { !recorded.contains($0) }, owner: dispatcher.lease.owner)
            dispatcher.adjustInFlight(-running.count)
        }
    }

    /// Called for every finished attempt: builds no text for a success unless debug logging is on.
    func log(_ f: Finished, _ record: AttemptRecord) {
        let d = f.delivery.delivery
        var what: String { "\(d.eventType.rawValue) for job \(d.jobId) to \(d.channel)" }
        switch record.result {
        case .sent: logger.debug("delivered \(what) (\(f.outcome.httpStatus.map { "HTTP \($0)" } ?? "ok"))")
        case .retry(let at):
            logger.warning("delivery \(d.id) (\(what)) failed: \(record.error ?? "?"); attempt \(record.failures + 1) in \(DurationText.format(.milliseconds(Int64(at.timeIntervalSince(f.at) * 1000))))")
        case .dead: logger.error("delivery \(d.id) (\(what)) is dead: \(record.error ?? "?"); resend with: tamwatch replay \(d.id)")
        }
    }
}

/// `count` per `per`, refilled continuously on the monotonic clock; holds at most `count`.
struct TokenBucket: Sendable {
    let limit: RateLimit
    var tokens: Double
    var updated: Duration

    init(limit: RateLimit, now: Duration) {
        self.limit = limit
        tokens = Double(limit.count)
        updated = now
    }

    var rate: Double { Double(limit.count) / max(limit.per.seconds, 0.001) }
    var whole: Int { Int(tokens.rounded(.down)) }

    mutating func refill(now: Duration) {
        let elapsed = max(0, (now - updated).seconds)
        tokens = min(Double(limit.count), tokens + elapsed * rate)
        updated = now
    }

    mutating func take(_ n: Int) { tokens -= Double(n) }

    func nextTokenAt(now: Duration) -> Duration {
        now + .milliseconds(Int64((max(0, 1 - tokens) / rate * 1000).rounded(.up)))
    }
}
