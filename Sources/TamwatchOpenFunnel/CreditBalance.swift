import Foundation

/// The credit balance (`GET /api/v1/credits/balance`); amounts can be fractional.
public struct CreditBalance: Sendable, Equatable {
    public var totalCredits: Double?
    public var creditsUsed: Double?
    public var creditsLeft: Double?
}
