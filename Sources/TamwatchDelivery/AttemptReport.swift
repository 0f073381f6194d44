import Foundation
import TamwatchStore

/// One finished attempt, as the service's metrics count it.
public struct AttemptReport: Sendable {
    public var channel: String
    public var result: AttemptRecord.Result
    /// How long the attempt took on the wire.
    public var duration: Duration
    /// When its delivery was queued (with its event's commit), and when the attempt ended.
    public var queuedAt: Date
    public var at: Date
}
