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

    /// The largest budget a config, the CLI or the API may set: far above any build (a build
    /// spends one credit per company), and far below where arithmetic on it could overflow.
    public static let largestBudget = 1_000_000_000

    public var maxCredits: Int
    /// The share of `maxCredits` at which the warning goes out, in 0...1.
    public var warnAt: Double
    public var action: Action

    public init(maxCredits: Int, warnAt: Double = 0.8, action: Action = .pause) {
        self.maxCredits = maxCredits
        self.warnAt = warnAt
        self.action = action
    }

    /// The spend at which the warning goes out. Saturating: a budget stored before budgets were
    /// bounded (up to `Int.max`) or an odd share never traps.
    public var warnThreshold: Int {
        let share = warnAt.isFinite ? min(max(warnAt, 0), 1) : 1
        let spend = (Double(maxCredits) * share).rounded(.up)
        if spend >= Double(Int.max) { return Int.max }
        if spend <= Double(Int.min) { return Int.min }
        return Int(spend)
    }

    /// The credits left after `processed` were spent (never below 0; saturating).
    public func left(after processed: Int) -> Int {
        let (left, overflow) = maxCredits.subtractingReportingOverflow(processed)
        if overflow { return processed < 0 ? Int.max : 0 }
        return max(0, left)
    }

    enum CodingKeys: String, CodingKey {
        case maxCredits = "max_credits", warnAt = "warn_at", action
    }
}
