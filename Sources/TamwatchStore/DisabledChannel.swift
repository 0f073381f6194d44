import Foundation

/// A channel that asked for no more deliveries (410, an archived chat channel).
public struct DisabledChannel: Sendable, Equatable {
    public var channel: String
    /// Of the channel's URL when it was disabled: a changed URL enables the channel again.
    public var fingerprint: String
    public var reason: String
    public var since: Date

    public init(channel: String, fingerprint: String, reason: String, since: Date) {
        self.channel = channel
        self.fingerprint = fingerprint
        self.reason = reason
        self.since = since
    }
}
