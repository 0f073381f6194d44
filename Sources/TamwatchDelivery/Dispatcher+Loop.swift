import Foundation
import Logging
import Synchronization
import TamwatchChannels
import TamwatchConfig
import TamwatchHTTP
import TamwatchStore

extension Dispatcher {
    /// The scheduling state, owned by `run`'s loop.
    struct Loop {
        let dispatcher: Dispatcher
        var inFlight: [String: Int] = [:]
        /// The deliveries being sent, each by a child task of `run`.
        var running: Set<String> = []
        /// Per channel, deliveries claimed one turn ahead, oldest first: an attempt that finishes
        /// is followed by the next at once, and the transaction that records it runs while the
        /// next is already on the wire.
        var ready: [String: [StoredDelivery]] = [:]
        /// Claimed ahead for a channel that then asked for a pause: given back at the next turn
        /// rather than held past their lease.
        var releasing: [String] = []
        var buckets: [String: TokenBucket] = [:]
        /// Channels paused by a 429 or 503, until this uptime.
        var blockedUntil: [String: Duration] = [:]
        var disabled: [String: DisabledChannel] = [:]
        var toDisable: [DisabledChannel] = []
        /// Attempts recorded this turn, logged once their records are committed (a log line
        /// that says "delivered" is then true of the outbox too).
        var toLog: [(Finished, AttemptRecord)] = []
        /// When the loop next looks without being woken (a retry or rate limit falls due), as an uptime.
        var wakeAt: Duration?
        var lastRenewal: Duration?
        /// The dispatcher's channels as this turn sees them (a reload replaces them between turns).
        var channels: [String: any DeliveryChannel]
        /// Those of `channels` that send each job's deliveries one at a time, in order.
        var ordered: Set<String>

        init(dispatcher: Dispatcher) {
            self.dispatcher = dispatcher
            (channels, ordered) = dispatcher.turnChannels
        }

        var store: any Outbox { dispatcher.store }

        /// One turn of the loop: starts what was claimed ahead on the slots that freed, then, in
        /// one transaction, records the attempts that finished and claims what is due up to a
        /// round ahead of each channel's concurrency; starts what fits, and sets the time for the
        /// next moment something can be sent.
        mutating func step(_ group: inout DiscardingTaskGroup) async throws(StoreError) {
            (channels, ordered) = dispatcher.turnChannels
            let records = takeFinished()
            for name in dispatcher.takeEnabled() { disabled[name] = nil }
            // Claimed ahead for a channel a reload removed: given back, then dead-lettered below.
            for (name, queued) in ready where channels[name] == nil {
                releasing += queued.map(\.id)
                ready[name] = nil
            }
            if !releasing.isEmpty {
                try await store.releaseClaims(ids: releasing, owner: dispatcher.lease.owner)
                releasing.removeAll()
            }
            // What was claimed ahead goes out first, before this turn's transaction.
            let firstToken = startReady(in: &group)
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
            // Deliveries waiting for a rate limit's token: look again when it comes.
            if let firstToken { earliest(firstToken) }

            // How many each channel may start now; a disabled channel's new deliveries go dead.
            let plan = TurnPlan(
                TurnPlan.State(
                    channels: channels.mapValues(\.config), disabled: disabled, blockedUntil: blockedUntil, inFlight: inFlight,
                    ready: ready.mapValues(\.count), retired: dispatcher.retired, quiescing: dispatcher.isQuiescing,
                    sharedLimits: store.sharesChannelLimits, uptime: uptime))
            for name in plan.reenable {
                try await store.enable(channels: [name])
                disabled[name] = nil
                dispatcher.logger.notice("channel \(name): its URL changed since it was disabled; sending to it again")
            }
            for name in plan.unblocked { blockedUntil[name] = nil }
            if let pauseEnds = plan.wakeAt { earliest(pauseEnds) }
            let wanted = plan.wanted.map { (channel: $0.channel, limit: $0.limit) }
            let deadLetter = plan.deadLetter.map { (channel: $0.channel, reason: $0.reason) }

            // Claims on deliveries still being sent are renewed in this turn's transaction.
            var renew: [String] = []
            let holding = !running.isEmpty || ready.values.contains { !$0.isEmpty }
            if !holding {
                lastRenewal = nil
            } else if TurnPlan.renews(
                holding: holding, lastRenewal: lastRenewal, uptime: uptime, lease: .milliseconds(Int64(dispatcher.lease.duration * 1000)))
            {
                renew = Array(running) + ready.values.flatMap { $0.map(\.id) }
                lastRenewal = uptime
            }
            let exchange = try await store.exchange(
                records: records, claims: wanted, deadLetter: deadLetter, renew: renew, now: now,
                lease: dispatcher.lease, batch: dispatcher.batch, limits: plan.limits,
                ordered: ordered)
            for (f, record) in toLog { dispatcher.log(f, record) }
            toLog.removeAll(keepingCapacity: true)
            var drained = exchange.deadLettered > 0 || records.contains { $0.result == .dead }
            // A removed channel whose queue is empty and that has nothing in flight is done with.
            if exchange.deadLettered == 0 {
                dispatcher.forgetRetired(deadLetter.map(\.channel).filter { channels[$0] == nil && inFlight[$0, default: 0] == 0 })
            }
            for (name, limit) in wanted {
                let claimed = exchange.claimed[name] ?? []
                if claimed.count < limit { drained = true }
                guard !claimed.isEmpty else { continue }
                // A delivery already held (its claim lapsed and was taken again) is not queued twice.
                let held = running.union(ready[name, default: []].map(\.id))
                ready[name, default: []] += claimed.filter { !held.contains($0.id) }
            }
            if let token = startReady(in: &group) { earliest(token) }
            // A claim made this turn counts as fresh for the renewal below.
            if holding || !exchange.claimed.isEmpty, lastRenewal == nil { lastRenewal = uptime }
            if let due = exchange.nextDue {
                // Due now but not claimed: another process holds it, or a claim raced; look again shortly.
                earliest(wall: max(due, now.addingTimeInterval(0.05)))
            }
            if let every = dispatcher.lookEvery { earliest(wall: now.addingTimeInterval(every.seconds)) }
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
                let channel = channels[d.delivery.channel]
                var record = self.record(f)
                if case .retry(_, let retryAfter) = f.outcome.outcome, let status = f.outcome.httpStatus, status == 429 || status == 503 {
                    // A channel that says "slow down" (429, 503) is paused as a whole, not one
                    // delivery at a time (with a shared store, on every replica). Another
                    // answer's Retry-After delays that delivery only.
                    var pause: Duration?
                    if let retryAfter {
                        pause = retryAfter
                    } else if status == 429, case .retry(let at) = record.result {
                        pause = .milliseconds(Int64(max(0, at.timeIntervalSince(f.at)) * 1000))
                    }
                    if let pause {
                        block(d.delivery.channel, until: dispatcher.clock.uptime() + pause)
                        record.pause = pause.seconds
                    }
                }
                records.append(record)
                if case .disableChannel(let reason) = f.outcome.outcome, let config = channel?.config {
                    toDisable.append(
                        DisabledChannel(
                            channel: config.name, fingerprint: config.fingerprint,
                            reason: dispatcher.redactor.redact(reason),
                            since: f.at))
                    disabled[config.name] = toDisable.last
                }
                toLog.append((f, record))
            }
            return records
        }

        /// Stores the channels disabled this turn and dead-letters their queues.
        mutating func disableChannels() async throws(StoreError) {
            guard !toDisable.isEmpty else { return }
            for entry in toDisable {
                // Claimed ahead but not sent: given back, so that disabling dead-letters them too.
                if let queued = ready.removeValue(forKey: entry.channel), !queued.isEmpty {
                    try await store.releaseClaims(ids: queued.map(\.id), owner: dispatcher.lease.owner)
                }
                let dropped = try await store.disable(entry)
                dispatcher.logger.error(
                    "channel \(entry.channel) disabled: \(entry.reason); \(dropped) queued deliveries dead-lettered. Fix the channel, then: tamwatch replay --dead --channel \(entry.channel)"
                )
            }
            toDisable.removeAll()
            dispatcher.notifyWatchers()
        }

        mutating func block(_ channel: String, until: Duration) {
            blockedUntil[channel] = max(blockedUntil[channel] ?? until, until)
            if let queued = ready.removeValue(forKey: channel) { releasing += queued.map(\.id) }
        }

        /// What a finished attempt comes to, on its channel's retry schedule.
        func record(_ f: Finished) -> AttemptRecord {
            let schedule = channels[f.delivery.delivery.channel]?.config.retrySchedule ?? .webhookDefault
            var record = Self.record(f, schedule: schedule, draw: dispatcher.jitter())
            record.error = dispatcher.redactor.redact(record.error)
            record.durationMs = Int((f.duration.seconds * 1000).rounded())
            record.responseExcerpt = dispatcher.redactor.redact(f.outcome.answer)
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
                    return AttemptRecord(
                        id: d.id, result: .dead, at: f.at, failures: failures, httpStatus: f.outcome.httpStatus,
                        error: "gave up after \(failures) failed attempts: \(reason)")
                }
                return AttemptRecord(
                    id: d.id, result: .retry(at: f.at.addingTimeInterval(wait.seconds)), at: f.at,
                    failures: failures, httpStatus: f.outcome.httpStatus, error: reason)
            case .dead(let reason), .disableChannel(let reason):
                return AttemptRecord(
                    id: d.id, result: .dead, at: f.at, failures: d.failures + 1, httpStatus: f.outcome.httpStatus, error: reason)
            }
        }

        /// Starts claimed deliveries on every channel with a free slot (and a token, where the
        /// channel has a rate limit); returns when the next token comes for a channel whose
        /// deliveries wait for one.
        mutating func startReady(in group: inout DiscardingTaskGroup) -> Duration? {
            let uptime = dispatcher.clock.uptime()
            var nextToken: Duration?
            for (name, queued) in ready where !queued.isEmpty && !dispatcher.isQuiescing {
                guard let channel = channels[name], disabled[name] == nil else { continue }
                if let until = blockedUntil[name], until > uptime { continue }
                let config = channel.config
                var free = config.effectiveConcurrency - inFlight[name, default: 0]
                // A shared store took the rate limit's tokens when it handed out the claims.
                if let limit = config.effectiveRateLimit, !store.sharesChannelLimits {
                    // A reload that changed the limit starts a bucket of the new one.
                    var bucket = buckets[name].flatMap { $0.limit == limit ? $0 : nil } ?? TokenBucket(limit: limit, now: uptime)
                    bucket.refill(now: uptime)
                    buckets[name] = bucket
                    if free > 0, bucket.whole < min(free, queued.count) {
                        let at = bucket.nextTokenAt(now: uptime)
                        nextToken = min(nextToken ?? at, at)
                    }
                    free = min(free, bucket.whole)
                }
                guard free > 0 else { continue }
                let starting = queued.prefix(free)
                for d in starting { start(d, on: channel, in: &group) }
                buckets[name]?.take(starting.count)
                ready[name] = Array(queued.dropFirst(starting.count))
            }
            return nextToken
        }

        mutating func start(_ d: StoredDelivery, on channel: any DeliveryChannel, in group: inout DiscardingTaskGroup) {
            inFlight[d.delivery.channel, default: 0] += 1
            dispatcher.adjustInFlight(1)
            let dispatcher = self.dispatcher
            running.insert(d.id)
            group.addTask {
                let at = dispatcher.clock.now()
                let started = dispatcher.clock.uptime()
                let outcome = await channel.send(d.delivery, now: at)
                dispatcher.finished(
                    Finished(delivery: d, outcome: outcome, at: dispatcher.clock.now(), duration: dispatcher.clock.uptime() - started))
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
            let unsent = running.filter { !recorded.contains($0) } + ready.values.flatMap { $0.map(\.id) }
            try? await store.releaseClaims(ids: unsent, owner: dispatcher.lease.owner)
            ready.removeAll()
            dispatcher.adjustInFlight(-running.count)
        }
    }
}
