import Foundation
import TamwatchConfig
import TamwatchModel

/// Rules × events → deliveries. Pure: no I/O and no clock (an event's own time drives throttles).
public struct RuleEngine: EventRouter {
    public var rules: [RuleConfig]
    public var channels: [String: ChannelConfig]
    public var renderer: Renderer

    public init(rules: [RuleConfig], channels: [ChannelConfig], renderer: Renderer) {
        self.rules = rules
        self.channels = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.renderer = renderer
    }

    public typealias Result = Routing

    /// Routes one job's events, in order. Each (event, channel) pair gets at most one delivery:
    /// the first rule (in config order) that selects it wins.
    ///
    /// A throttle applies to `job.progress` only, the one event that comes in floods: a
    /// throttled rule queues at most one progress delivery per job and channel per window and
    /// holds back the rest, keeping the newest; `flush` sends that one when the window closes,
    /// carrying the count of the others as `folded`. Every other event passes at once, and a
    /// final event (`job.terminal`, `watch.error`) first flushes what is held, so the last word
    /// arrives after the last progress.
    public func route(_ events: [Event], throttle: ThrottleState) -> Result {
        var state = throttle
        var out: [Delivery] = []
        var released: [Delivery] = []
        var errors: [String] = []
        for event in events {
            if Self.isFinal(event.type) {
                let flushed = flush(state, now: event.occurredAt, force: true)
                released += flushed.deliveries
                errors += flushed.errors
                state = flushed.throttle
            }
            var taken = Set<String>()
            let envelope = event.json
            for rule in rules where rule.matches(event, envelope: envelope, problems: &errors) {
                for name in rule.to where !taken.contains(name) {
                    guard let channel = channels[name] else { continue }
                    taken.insert(name)
                    var folded = 0
                    if let window = rule.throttle, event.type == .progress {
                        let key = Self.throttleKey(rule: rule.name, channel: name)
                        if let entry = state.entries[key] {
                            if event.occurredAt.timeIntervalSince(entry.lastQueued) < window.seconds {
                                state.entries[key]?.held += 1
                                state.entries[key]?.heldEvent = event
                                continue
                            }
                            // The window closed without a flush (tamwatch was not running): the
                            // held one is superseded by this newer progress.
                            folded = entry.held
                        }
                        state.entries[key] = ThrottleState.Entry(lastQueued: event.occurredAt, held: 0)
                    }
                    out.append(delivery(event, envelope: envelope, rule: rule, channel: channel, folded: folded, errors: &errors))
                }
            }
        }
        return Result(deliveries: out, throttle: state, errors: errors, flushed: released)
    }

    /// Sends the newest held-back progress of every throttle window that has closed by `now`
    /// (all of them with `force`), with the count of the others as `folded`.
    public func flush(_ throttle: ThrottleState, now: Date, force: Bool = false) -> Result {
        var state = throttle
        var out: [Delivery] = []
        var errors: [String] = []
        for rule in rules {
            guard let window = rule.throttle else { continue }
            for name in rule.to {
                let key = Self.throttleKey(rule: rule.name, channel: name)
                guard let entry = state.entries[key], let event = entry.heldEvent, let channel = channels[name] else { continue }
                // A millisecond of slack: the caller slept until `nextFlush`, in whole milliseconds.
                guard force || now.timeIntervalSince(entry.lastQueued) >= window.seconds - 0.001 else { continue }
                out.append(delivery(event, envelope: event.json, rule: rule, channel: channel, folded: entry.held - 1, errors: &errors))
                state.entries[key] = ThrottleState.Entry(lastQueued: force ? entry.lastQueued : now, held: 0)
            }
        }
        return Result(deliveries: out, throttle: state, errors: errors)
    }

    /// When the first throttle window holding an event closes; nil when nothing is held.
    public func nextFlush(_ throttle: ThrottleState) -> Date? {
        var earliest: Date?
        for rule in rules {
            guard let window = rule.throttle else { continue }
            for name in rule.to {
                guard let entry = throttle.entries[Self.throttleKey(rule: rule.name, channel: name)], entry.heldEvent != nil else {
                    continue
                }
                let due = entry.lastQueued.addingTimeInterval(window.seconds)
                earliest = min(earliest ?? due, due)
            }
        }
        return earliest
    }

    private func delivery(
        _ event: Event, envelope: JSONValue, rule: RuleConfig, channel: ChannelConfig, folded: Int,
        errors: inout [String]
    ) -> Delivery {
        let rendered = renderer.render(
            event, envelope: envelope, channel: channel, rule: rule.name, template: rule.template, folded: folded)
        if let e = rendered.error { errors.append("rule \(rule.name), channel \(channel.name): \(e)") }
        return Delivery(
            id: Delivery.makeID(eventId: event.id, channel: channel.name), eventId: event.id, jobId: event.jobId,
            eventType: event.type, channel: channel.name, rule: rule.name, message: rendered.message,
            folded: folded, createdAt: event.occurredAt, renderError: rendered.error)
    }

    static func throttleKey(rule: String, channel: String) -> String { "\(rule)|\(channel)" }

    static func isFinal(_ type: EventType) -> Bool { type == .terminal || type == .watchError }
}
