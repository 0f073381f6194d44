import Foundation

/// One event: the same JSON on stdout, as a webhook body, and as a template's context.
public struct Event: Sendable, Equatable {
    public var id: String
    public var type: EventType
    /// Empty for an event about the account rather than one build (`account.*`): its
    /// envelope's `job_id` is null.
    public var jobId: String
    public var sequence: Int
    public var occurredAt: Date
    public var data: JSONValue
    /// The job as last seen (`status`, `processed`, bands, `degraded`, `progress_message`, `manifest`).
    public var job: JSONValue
    public var labels: [String: String]

    public init(
        id: String, type: EventType, jobId: String, sequence: Int, occurredAt: Date,
        data: JSONValue, job: JSONValue, labels: [String: String]
    ) {
        self.id = id
        self.type = type
        self.jobId = jobId
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.data = data
        self.job = job
        self.labels = labels
    }

    /// A deterministic id: the same change of the same job always gets the same id, across restarts.
    public static func makeID(jobId: String, type: EventType, key: String) -> String {
        "evt_" + StableHash.hex128("\(jobId)|\(type.rawValue)|\(key)")
    }

    /// The envelope, keys in the documented order.
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("type", .string(type.rawValue)), ("job_id", jobId.isEmpty ? .null : .string(jobId)),
            ("sequence", .int(Int64(sequence))), ("occurred_at", .string(Timestamp.format(occurredAt))),
            ("data", data), ("job", job),
            ("labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }

    /// Reads an envelope back (from the store or a receiver).
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let typeName = json["type"]?.stringValue,
            let type = EventType(rawValue: typeName), let jobId = json["job_id"]?.stringValue ?? (json["job_id"] == .null ? "" : nil),
            let sequence = json["sequence"]?.intValue, let when = json["occurred_at"]?.stringValue,
            let occurredAt = Timestamp.parse(when)
        else { return nil }
        var labels: [String: String] = [:]
        if case .object(let members)? = json["labels"] {
            for (k, v) in members { labels[k] = v.stringValue ?? "" }
        }
        self.init(
            id: id, type: type, jobId: jobId, sequence: sequence, occurredAt: occurredAt,
            data: json["data"] ?? .object([]), job: json["job"] ?? .null, labels: labels)
    }

    /// A build's event `data`: the event's own members, then the build's `query` (null until
    /// the watch knows it).
    public static func data(_ members: [(String, JSONValue)], query: String?) -> JSONValue {
        .object(members + [("query", .optional(query))])
    }

    /// The `job` member of an envelope for a snapshot.
    public static func jobSummary(_ s: JobSnapshot?) -> JSONValue {
        guard let s else { return .null }
        return .object([
            ("status", .string(s.status.rawValue)), ("processed", .optional(s.processed)),
            ("bands_done", .optional(s.bandsDone)), ("bands_total", .optional(s.bandsTotal)),
            ("degraded", .optional(s.degraded)), ("progress_message", .optional(s.progressMessage)),
            ("manifest", s.manifest?.json ?? .null),
        ])
    }
}
