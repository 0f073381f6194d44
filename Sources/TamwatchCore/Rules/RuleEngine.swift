import Foundation

/// One message for one channel, rendered and ready for the outbox.
public struct Delivery: Sendable, Equatable {
    /// `dlv_` + a hash of the event id and the channel: one delivery per (event, channel) pair.
    public var id: String
    public var eventId: String
    public var jobId: String
    public var eventType: EventType
    public var channel: String
    public var rule: String
    public var message: RenderedMessage
    /// Deliveries the rule's throttle held back since the last one that went out.
    public var folded: Int
    public var createdAt: Date
    /// A template that failed; the fallback message was queued instead.
    public var renderError: String?

    public init(id: String, eventId: String, jobId: String, eventType: EventType, channel: String, rule: String,
                message: RenderedMessage, folded: Int, createdAt: Date, renderError: String? = nil) {
        self.id = id
        self.eventId = eventId
        self.jobId = jobId
        self.eventType = eventType
        self.channel = channel
        self.rule = rule
        self.message = message
        self.folded = folded
        self.createdAt = createdAt
        self.renderError = renderError
    }

    public static func makeID(eventId: String, channel: String) -> String {
        "dlv_" + StableHash.hex128("\(eventId)|\(channel)")
    }
}

/// What a rule's throttle remembers per job and channel: when the last delivery was queued and
/// how many were held back since.
public struct ThrottleState: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var lastQueued: Date
        public var held: Int
    }

    /// Keyed `rule|channel` (the job is the state's owner).
    public var entries: [String: Entry] = [:]

    public init() {}

    public var json: JSONValue {
        .object(entries.sorted { $0.key < $1.key }.map { key, e in
            (key, .object([("last_queued", .number(e.lastQueued.timeIntervalSince1970)), ("held", .int(Int64(e.held)))]))
        })
    }

    public init(json: JSONValue) {
        guard case .object(let members) = json else { return }
        for (key, value) in members {
            guard let t = value["last_queued"]?.doubleValue else { continue }
            entries[key] = Entry(lastQueued: Date(timeIntervalSince1970: t), held: value["held"]?.intValue ?? 0)
        }
    }
}

/// Rules × events → deliveries. Pure: no I/O and no clock (an event's own time drives throttles).
public struct RuleEngine: Sendable {
    public var rules: [RuleConfig]
    public var channels: [String: ChannelConfig]
    public var renderer: Renderer

    public init(rules: [RuleConfig], channels: [ChannelConfig], renderer: Renderer) {
        self.rules = rules
        self.channels = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.renderer = renderer
    }

    public struct Result: Sendable {
        public var deliveries: [Delivery]
        public var throttle: ThrottleState
        /// Template failures, each already replaced by a fallback message.
        public var renderErrors: [String]
    }

    /// Routes one job's events, in order. Each (event, channel) pair gets at most one delivery:
    /// the first rule (in config order) that selects it wins.
    ///
    /// A throttled rule queues at most one delivery per job and channel per window and counts
    /// what it holds back; the next delivery carries that count as `folded`. Final events
    /// (`job.terminal`, `watch.error`) are never held back, so the last word always arrives.
    public func route(_ events: [Event], throttle: ThrottleState) -> Result {
        var state = throttle
        var out: [Delivery] = []
        var errors: [String] = []
        for event in events {
            var taken = Set<String>()
            let envelope = event.json
            for rule in rules where rule.matches(event, envelope: envelope) {
                for name in rule.to where !taken.contains(name) {
                    guard let channel = channels[name] else { continue }
                    taken.insert(name)
                    var folded = 0
                    if let window = rule.throttle {
                        let key = "\(rule.name)|\(name)"
                        if let entry = state.entries[key] {
                            let inWindow = event.occurredAt.timeIntervalSince(entry.lastQueued) < window.seconds
                            if inWindow && !Self.isFinal(event.type) {
                                state.entries[key]?.held += 1
                                continue
                            }
                            folded = entry.held
                        }
                        state.entries[key] = ThrottleState.Entry(lastQueued: event.occurredAt, held: 0)
                    }
                    let rendered = renderer.render(event, envelope: envelope, channel: channel, rule: rule.name,
                                                   template: rule.template, folded: folded)
                    if let e = rendered.error { errors.append("rule \(rule.name), channel \(name): \(e)") }
                    out.append(Delivery(id: Delivery.makeID(eventId: event.id, channel: name), eventId: event.id,
                                        jobId: event.jobId, eventType: event.type, channel: name, rule: rule.name,
                                        message: rendered.message, folded: folded, createdAt: event.occurredAt,
                                        renderError: rendered.error))
                }
            }
        }
        return Result(deliveries: out, throttle: state, renderErrors: errors)
    }

    static func isFinal(_ type: EventType) -> Bool { type == .terminal || type == .watchError }
}
