import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchModel

/// `--drain-timeout`, shared by watch and replay.
struct DrainOptions: ParsableArguments {
    @Option(name: .long, help: "How long to wait for deliveries to settle before exiting (they stay in the outbox).")
    var drainTimeout: String = "30s"

    var timeout: Duration { DurationText.parse(drainTimeout) ?? .seconds(30) }

    func validate() throws {
        guard DurationText.parse(drainTimeout) != nil || drainTimeout == "0" else {
            throw ValidationError("--drain-timeout '\(drainTimeout)' is not a duration (e.g. 0s, 30s, 5m)")
        }
    }
}
