import ArgumentParser
import TamwatchConfig
import TamwatchModel

/// `--max-credits`, `--guard-action` and `--no-results` on watch.
struct GuardOptions: ParsableArguments {
    @Option(name: .long, help: "Each build's credit budget: warn at guard.warn_at of it, act at it (default: guard.max_credits).")
    var maxCredits: Int?

    @Option(name: .long, help: "What the guard does at the budget: pause, cancel or notify (default: guard.action, else pause).")
    var guardAction: String?

    @Flag(name: .long, help: "Do not export a completed build's list, even with results.dir configured.")
    var noResults = false

    func validate() throws {
        if let maxCredits, !(1...CreditBudget.largestBudget).contains(maxCredits) {
            throw ValidationError("--max-credits must be a whole number from 1 to \(CreditBudget.largestBudget)")
        }
        if let guardAction, CreditBudget.Action(rawValue: guardAction) == nil {
            throw ValidationError("--guard-action '\(guardAction)' is not pause, cancel or notify")
        }
    }

    /// The budget these flags give on the configured guard; nil leaves each build to its stored
    /// budget or the configured one.
    func budget(_ config: TamwatchConfig) -> CreditBudget? {
        guard maxCredits != nil || guardAction != nil else { return nil }
        return config.guard.budget(maxCredits: maxCredits, action: guardAction.flatMap(CreditBudget.Action.init(rawValue:)))
    }
}
