import TamwatchModel
import TamwatchWatch

/// Keeps every event it is given.
public actor CollectingSink: EventSink {
    private(set) var events: [Event] = []
    public func emit(_ events: [Event]) -> Bool {
        self.events += events
        return true
    }
}
