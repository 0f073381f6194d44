/// When to poll a job next. Pure: the caller passes the jitter draw.
public struct PollSchedule: Sendable, Equatable {
    public var interval: Duration
    public var maxInterval: Duration

    public init(interval: Duration, maxInterval: Duration) {
        self.interval = interval
        self.maxInterval = max(maxInterval, interval)
    }

    /// After a successful poll: the base interval, four times slower while paused, and
    /// slowing gradually (to four times) while nothing changes, never past `maxInterval`.
    public func afterSuccess(status: JobStatus, unchangedPolls: Int) -> Duration {
        let factor: Double
        if status == .paused {
            factor = 4
        } else {
            factor = min(4, 1 + 0.25 * Double(max(0, unchangedPolls - 1)))
        }
        return min(interval * factor, maxInterval)
    }

    /// After the `failures`-th fault in a row: exponential backoff from the base interval with
    /// jitter (`jitter` in 0...1 picks a point in the upper half), never sooner than `retryAfter`
    /// and never later than `maxInterval`: a server asking for a day's silence does not get it.
    public func afterFailure(failures: Int, retryAfter: Duration?, jitter: Double) -> Duration {
        let exponent = Double(min(max(failures - 1, 0), 20))
        let ceiling = min(interval * Double(1 << Int(exponent)), maxInterval)
        let jittered = ceiling * (0.5 + 0.5 * min(max(jitter, 0), 1))
        guard let retryAfter else { return jittered }
        return min(max(jittered, retryAfter), maxInterval)
    }
}
