import Foundation
import Logging
import Synchronization
import TamwatchConfig

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
