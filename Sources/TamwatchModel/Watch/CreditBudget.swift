import Foundation

/// A build's credit budget: `job.budget_warning` at `warnAt × maxCredits` credits spent, and
/// `job.budget_exceeded` with `action` taken at `maxCredits`. A build spends one credit per
/// company delivered, so `processed` is its spend so far.
public struct CreditBudget: Sendable, Equatable, Codable {
    /// What the guard does once a build has spent its budget.
    public enum Action: String, Sendable, Codable, CaseIterable {
        /// Asks OpenFunnel to pause the build (it can be resumed).
        case pause
        /// Asks OpenFunnel to cancel the build.
        case cancel
        /// Only announces it.
        case notify
    }

    public var maxCredits: Int
    /// The share of `maxCredits` at which the warning goes out, in 0...1.
    public var warnAt: Double
    public var action: Action

    public init(maxCredits: Int, warnAt: Double = 0.8, action: Action = .pause) {
        self.maxCredits = maxCredits
        self.warnAt = warnAt
        self.action = action
    }

    /// The spend at which the warning goes out.
    public var warnThreshold: Int { Int((Double(maxCredits) * warnAt).rounded(.up)) }

    enum CodingKeys: String, CodingKey {
        case maxCredits = "max_credits", warnAt = "warn_at", action
    }
}
