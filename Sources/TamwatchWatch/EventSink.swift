import Foundation
import Logging
import TamwatchModel

/// Receives events once they are stored; the console printer is one, tests have others.
public protocol EventSink: Sendable {
    /// Writes the events out; false when they could not be (stdout closed): they stay
    /// unwritten in the store, and the watch stops.
    func emit(_ events: [Event]) async -> Bool
    /// Whether `observed` wants every poll's snapshot; false spares the poll loop a call.
    nonisolated var followsProgress: Bool { get }
    /// A job's latest snapshot, for live progress; called after every successful poll.
    func observed(_ snapshot: JobSnapshot) async
}
extension EventSink {
    public nonisolated var followsProgress: Bool { false }
    public func observed(_ snapshot: JobSnapshot) async {}
}
