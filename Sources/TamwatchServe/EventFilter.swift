import TamwatchModel

/// Which events an event stream client asked for: a job, type globs (`job.*`), labels.
struct EventFilter: Sendable {
    var jobId: String?
    var types: [String] = []
    var labels: [(key: String, value: String)] = []

    /// Clients with equal keys get the same events: their frames are built once per batch.
    var key: String {
        (jobId ?? "") + "\u{1}" + types.joined(separator: ",") + "\u{1}" + labels.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    func matches(_ event: Event) -> Bool {
        if let jobId, event.jobId != jobId { return false }
        if !types.isEmpty, !types.contains(where: { event.type.matches(pattern: $0) }) { return false }
        for (key, value) in labels where event.labels[key] != value { return false }
        return true
    }
}
