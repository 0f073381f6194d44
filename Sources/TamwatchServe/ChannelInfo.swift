import Synchronization
import TamwatchConfig

/// A channel without its secrets.
public struct ChannelInfo: Sendable {
    public var name: String
    public var type: String
    public var host: String

    public init(name: String, type: String, host: String) {
        self.name = name
        self.type = type
        self.host = host
    }

    /// The host of a channel's URL, and nothing else of it (no path, no token, no user).
    public init(_ config: ChannelConfig) {
        var rest = Substring(config.url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        self.init(name: config.name, type: config.type.rawValue, host: String(rest))
    }
}

/// The configured channels as the API shows them; a reload replaces them.
public final class ChannelDirectory: Sendable {
    private let list: Mutex<[ChannelInfo]>

    public init(_ channels: [ChannelInfo] = []) { list = Mutex(channels) }

    public var all: [ChannelInfo] { list.withLock { $0 } }
    public func replace(_ channels: [ChannelInfo]) { list.withLock { $0 = channels } }
}
