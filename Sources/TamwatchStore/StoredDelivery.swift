import Foundation
import TamwatchModel

/// A delivery as the outbox holds it: the queued message plus how its attempts went.
public struct StoredDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, sent, dead
    }

    public var delivery: Delivery
    public var status: Status
    public var attempts: Int
    /// Failed attempts since it was last queued; picks the next wait from the retry schedule.
    public var failures: Int
    public var nextAt: Date
    public var lastAttemptAt: Date?
    public var sentAt: Date?
    public var lastStatus: Int?
    public var lastError: String?

    public init(
        delivery: Delivery, status: Status, attempts: Int, failures: Int, nextAt: Date, lastAttemptAt: Date? = nil, sentAt: Date? = nil,
        lastStatus: Int? = nil, lastError: String? = nil
    ) {
        self.delivery = delivery
        self.status = status
        self.attempts = attempts
        self.failures = failures
        self.nextAt = nextAt
        self.lastAttemptAt = lastAttemptAt
        self.sentAt = sentAt
        self.lastStatus = lastStatus
        self.lastError = lastError
    }

    public var id: String { delivery.id }
}
