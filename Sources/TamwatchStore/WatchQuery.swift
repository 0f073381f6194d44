/// Which watches a list shows: newest first, after a cursor, every filter at once.
public struct WatchQuery: Sendable, Equatable {
    public var status: String?
    /// Every pair must match the watch's labels.
    public var labels: [(key: String, value: String)] = []
    public var active: Bool?
    /// Only watches older than this cursor (the last one of the page before).
    public var before: Int64?
    public var limit = 50

    public init(
        status: String? = nil, labels: [(key: String, value: String)] = [], active: Bool? = nil, before: Int64? = nil, limit: Int = 50
    ) {
        self.status = status
        self.labels = labels
        self.active = active
        self.before = before
        self.limit = limit
    }

    public static func == (a: WatchQuery, b: WatchQuery) -> Bool {
        a.status == b.status && a.labels.map(\.key) == b.labels.map(\.key) && a.labels.map(\.value) == b.labels.map(\.value)
            && a.active == b.active && a.before == b.before && a.limit == b.limit
    }
}
