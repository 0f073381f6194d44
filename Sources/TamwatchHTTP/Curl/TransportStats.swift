import CCurl
import CCurlShims
import Foundation
import Synchronization

/// Counters kept by `CurlTransport`.
public struct TransportStats: Sendable {
    public var requests = 0
    public var connectionsOpened = 0
    /// Transfers handed to libcurl now.
    public var inFlight = 0
    /// Transfers waiting for a slot now.
    public var queued = 0
}
