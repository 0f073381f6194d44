import TamwatchConfig
import TamwatchStore

/// What one turn of the dispatcher asks of the outbox, decided from the loop's state alone:
/// how many deliveries each channel may claim, which queues go dead (a disabled or removed
/// channel), which disabled channels are tried again (their URL changed), which pauses ended,
/// and the earliest pause end to wake for. Pure: no store, no clock, no `await`; the loop does
/// what it says (`Dispatcher.Loop.step`).
struct TurnPlan: Equatable {
    struct Want: Equatable {
        var channel: String
        var limit: Int
    }

    /// What the loop knows when a turn begins.
    struct State {
        var channels: [String: ChannelConfig]
        var disabled: [String: DisabledChannel] = [:]
        /// Channels paused (a 429 or 503) until this uptime.
        var blockedUntil: [String: Duration] = [:]
        var inFlight: [String: Int] = [:]
        /// Claimed ahead and not yet started, per channel.
        var ready: [String: Int] = [:]
        /// Channels a reload removed, and why their queues go dead.
        var retired: [String: String] = [:]
        /// Stopping: nothing new is claimed.
        var quiescing = false
        /// The store holds each channel's limits for every replica: they go with the claims.
        var sharedLimits = false
        var uptime: Duration
    }

    var wanted: [Want] = []
    var limits: [String: ChannelLimits] = [:]
    var deadLetter: [Want.DeadLetter] = []
    /// Disabled channels whose URL changed since: enabled again and claimed for.
    var reenable: [String] = []
    /// Pauses that are over.
    var unblocked: [String] = []
    /// The earliest end of a pause still running.
    var wakeAt: Duration?

    init(_ s: State) {
        deadLetter = s.retired.sorted { $0.key < $1.key }.map { Want.DeadLetter(channel: $0.key, reason: $0.value) }
        guard !s.quiescing else { return }
        for (name, config) in s.channels.sorted(by: { $0.key < $1.key }) {
            if let off = s.disabled[name] {
                if off.fingerprint == config.fingerprint {
                    deadLetter.append(Want.DeadLetter(channel: name, reason: "channel disabled: \(off.reason)"))
                    continue
                }
                reenable.append(name)
            }
            if let until = s.blockedUntil[name] {
                if until > s.uptime {
                    wakeAt = min(wakeAt ?? until, until)
                    continue
                }
                unblocked.append(name)
            }
            // Enough for the free slots and one more round of them, less what is claimed already.
            let concurrency = config.effectiveConcurrency
            let want = concurrency - s.inFlight[name, default: 0] + concurrency - s.ready[name, default: 0]
            guard want > 0 else { continue }
            wanted.append(Want(channel: name, limit: want))
            if s.sharedLimits {
                let rate = config.effectiveRateLimit
                limits[name] = ChannelLimits(concurrency: concurrency, rateCount: rate?.count, ratePer: rate?.per.seconds)
            }
        }
    }

    /// Whether the claims held (attempts running, deliveries claimed ahead) are renewed this turn:
    /// once a third of the lease has gone since the last renewal. No timer is needed for it: the
    /// lease outlives the longest attempt by half a minute, and attempts that finish bring turns.
    static func renews(holding: Bool, lastRenewal: Duration?, uptime: Duration, lease: Duration) -> Bool {
        guard holding, let last = lastRenewal else { return false }
        return uptime - last >= lease / 3
    }
}

extension TurnPlan.Want {
    struct DeadLetter: Equatable {
        var channel: String
        var reason: String
    }
}
