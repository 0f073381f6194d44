import Foundation

/// Deliveries still to send, and when the first of them is due.
public struct PendingSummary: Sendable, Equatable {
    public var count: Int
    public var nextAt: Date?

    public init(count: Int, nextAt: Date?) {
        self.count = count
        self.nextAt = nextAt
    }
}
