import Foundation

/// How one channel is doing.
public struct ChannelSummary: Sendable, Equatable {
    public var channel: String
    public var pending = 0
    public var dead = 0
    /// When the oldest pending delivery was queued.
    public var oldestPendingAt: Date?
    public var lastSuccessAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?

    public init(channel: String) { self.channel = channel }
}
