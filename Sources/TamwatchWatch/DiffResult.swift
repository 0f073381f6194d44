import Foundation
import TamwatchModel

/// The differ's answer: the state to store and the events to announce, in order.
public struct DiffResult: Sendable, Equatable {
    public var state: WatchState
    public var events: [Event]
    /// Values the API sent that made no sense and were clamped (for the log).
    public var warnings: [String] = []
}
