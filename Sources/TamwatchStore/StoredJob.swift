import Foundation
import TamwatchModel

/// A job as stored: the watch state and the labels its watch carries.
public struct StoredJob: Sendable, Equatable {
    public var jobId: String
    public var state: WatchState
    public var labels: [String: String]

    public init(jobId: String, state: WatchState, labels: [String: String]) {
        self.jobId = jobId
        self.state = state
        self.labels = labels
    }
    public var throttle = ThrottleState()
}
