import Foundation
import Logging
import TamwatchConfig
import TamwatchModel

/// Everything a watch needs, reached through protocols so a test can run it without a network or sleeps.
public struct WatchSettings: Sendable {
    public var schedule: PollSchedule
    public var diff: DiffSettings
    public var notFoundGrace: Duration
    public var giveUpAfter: Duration
    /// How many of a finished build's first rows `job.terminal` carries (`data.top`).
    public var topRows = 5
    /// The credit guard's defaults (`guard:`): a watch's own budget is made from them.
    public var creditGuard = TamwatchConfig.Guard()
    /// Every build's credit budget unless its watch gives one.
    public var budget: CreditBudget? { creditGuard.budget() }

    public init(config: TamwatchConfig) {
        schedule = PollSchedule(interval: config.api.pollInterval, maxInterval: config.watch.maxPollInterval)
        diff = config.watch.diffSettings
        notFoundGrace = config.watch.notFoundGrace
        giveUpAfter = config.watch.giveUpAfter
        topRows = config.results.top
        creditGuard = config.guard
    }

    public init(schedule: PollSchedule, diff: DiffSettings, notFoundGrace: Duration, giveUpAfter: Duration) {
        self.schedule = schedule
        self.diff = diff
        self.notFoundGrace = notFoundGrace
        self.giveUpAfter = giveUpAfter
    }
}
