import TamwatchModel

/// An event and where it sits in the commit order.
public struct FeedEvent: Sendable, Equatable {
    public var cursor: Int64
    public var event: Event

    public init(cursor: Int64, event: Event) {
        self.cursor = cursor
        self.event = event
    }
}
