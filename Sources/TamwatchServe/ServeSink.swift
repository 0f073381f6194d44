import Foundation
import TamwatchHub
import TamwatchModel
import TamwatchWatch

/// Where the service's watcher leaves what it stored: counted, shown on the board, and handed
/// to the event stream. It never blocks on a client: the hub reads the store on its own time.
struct ServeSink: EventSink {
    let hub: EventHub
    let board: WatchBoard
    let metrics: ServeMetrics
    let clock: any WatchClock

    func emit(_ events: [Event]) async -> Bool {
        metrics.committed(events)
        hub.notify()
        return true
    }

    var followsProgress: Bool { true }

    func observed(_ snapshot: JobSnapshot) async {
        metrics.creditsConsumed(board.observed(snapshot, at: clock.now()))
    }
}
