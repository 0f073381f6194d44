import Foundation

/// What turns a job's events into deliveries. The watcher holds one and knows nothing of rules,
/// templates or channels; the rule engine is the one the application gives it.
public protocol EventRouter: Sendable {
    /// Routes one job's events, in order, given the job's throttle windows.
    func route(_ events: [Event], throttle: ThrottleState) -> Routing
    /// Releases what the throttle windows closed by `now` hold (all of it when `force`).
    func flush(_ throttle: ThrottleState, now: Date, force: Bool) -> Routing
    /// When the first throttle window holding an event closes; nil when nothing is held.
    func nextFlush(_ throttle: ThrottleState) -> Date?
}

extension EventRouter {
    public func flush(_ throttle: ThrottleState, now: Date) -> Routing { flush(throttle, now: now, force: false) }
}

/// What routing some events gave: deliveries to queue and the throttle state to keep with them.
public struct Routing: Sendable {
    public var deliveries: [Delivery]
    public var throttle: ThrottleState
    /// Template failures (each already replaced by a fallback message) and `where`
    /// conditions stopped at their time limit, for the log.
    public var errors: [String]
    /// Held-back progress that a final event released: deliveries of events stored earlier.
    public var flushed: [Delivery]

    public init(deliveries: [Delivery], throttle: ThrottleState, errors: [String] = [], flushed: [Delivery] = []) {
        self.deliveries = deliveries
        self.throttle = throttle
        self.errors = errors
        self.flushed = flushed
    }
}
