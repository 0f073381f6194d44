import Foundation

public struct ChannelSetupError: Error, Sendable, CustomStringConvertible {
    public var channel: String
    public var message: String
    public var description: String { "channel \(channel): \(message)" }
}
