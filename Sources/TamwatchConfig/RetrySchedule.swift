/// When to try a failed delivery again: a list of waits, each jittered by ±20 %, with the
/// provider's `Retry-After` as a floor. Past the end of the list a delivery is dead.
public struct RetrySchedule: Sendable, Equatable {
    public var delays: [Duration]
    public var jitter: Double

    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: about 28 hours in all.
    public static let webhookDefault = RetrySchedule(delays: [
        .seconds(5), .seconds(300), .seconds(1800), .seconds(7200),
        .seconds(18000), .seconds(36000), .seconds(36000),
    ])

    public init(delays: [Duration], jitter: Double = 0.2) {
        self.delays = delays
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The wait before attempt `failedAttempts + 1`, or nil when the schedule is used up.
    /// - Parameter draw: a number in 0...1 (injected, so tests are exact).
    public func delay(afterFailedAttempts failedAttempts: Int, retryAfter: Duration?, draw: Double) -> Duration? {
        guard failedAttempts >= 1, failedAttempts <= delays.count else { return nil }
        let base = delays[failedAttempts - 1]
        let factor = 1 - jitter + 2 * jitter * min(max(draw, 0), 1)
        let jittered = Duration.milliseconds(Int64((Double(base.milliseconds) * factor).rounded()))
        guard let retryAfter else { return jittered }
        return max(jittered, retryAfter)
    }
}
