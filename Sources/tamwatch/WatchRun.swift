import TamwatchStore
import TamwatchWatch

/// What a watch ended with: each job's outcome, or the state file's failure.
struct WatchRun: Sendable {
    var outcomes: [String: WatchOutcome]
    var error: StoreError?
    /// Deliveries of these jobs still pending after the drain.
    var leftover: PendingSummary?
    /// Stopped by a signal (or a closed stdout), possibly while deliveries were settling.
    var interrupted = false
}
