import TamwatchModel

/// Which events an event stream client asked for: a job, type globs (`job.*`), labels.
public struct EventFilter: Sendable {
    public var jobId: String?
    public var types: [String] = []
    public var labels: [(key: String, value: String)] = []

    public init(jobId: String? = nil, types: [String] = [], labels: [(key: String, value: String)] = []) {
        self.jobId = jobId
        self.types = types
        self.labels = labels
    }

    /// Clients with equal keys get the same events: their frames are built once per batch. The
    /// parts are kept apart by JSON's own quoting, so no label value can pass for two labels.
    public var key: String {
        JSONValue.array([
            jobId.map(JSONValue.string) ?? .null, .array(types.map(JSONValue.string)),
            .array(labels.map { .array([.string($0.key), .string($0.value)]) }),
        ]).serialized()
    }

    public func matches(_ event: Event) -> Bool {
        if let jobId, event.jobId != jobId { return false }
        if !types.isEmpty, !types.contains(where: { event.type.matches(pattern: $0) }) { return false }
        for (key, value) in labels where event.labels[key] != value { return false }
        return true
    }
}
