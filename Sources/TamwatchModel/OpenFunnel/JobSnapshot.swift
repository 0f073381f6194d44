import Foundation

/// What the differ compares: the progress fields of one poll response, without its rows.
public struct JobSnapshot: Sendable, Equatable {
    public var jobId: String
    public var status: JobStatus
    public var processed: Int?
    public var bandsDone: Int?
    public var bandsTotal: Int?
    public var progressMessage: String?
    public var degraded: Bool?
    public var errorMessage: String?
    public var manifest: Manifest?
    /// The first rows of this poll's page (the highest ranked), read only once the build has
    /// ended, for `job.terminal`'s `data.top`. Never stored with the watch state.
    public var top: [JSONValue]? = nil
    /// The page's first row's `source_query`: the build's query in OpenFunnel's words, read
    /// only while the watch does not know it yet. Never stored with the watch state.
    public var sourceQuery: String? = nil

    public init(
        jobId: String, status: JobStatus, processed: Int? = nil, bandsDone: Int? = nil, bandsTotal: Int? = nil,
        progressMessage: String? = nil, degraded: Bool? = nil, errorMessage: String? = nil, manifest: Manifest? = nil
    ) {
        self.jobId = jobId
        self.status = status
        self.processed = processed
        self.bandsDone = bandsDone
        self.bandsTotal = bandsTotal
        self.progressMessage = progressMessage
        self.degraded = degraded
        self.errorMessage = errorMessage
        self.manifest = manifest
    }

    /// The snapshot as the watch state keeps it: without what was read from the rows.
    public var withoutRows: JobSnapshot {
        var s = self
        s.top = nil
        s.sourceQuery = nil
        return s
    }

    /// Reads a poll response leniently. Only `job_id` and `status` are required, as in the API's schema.
    public init(json: JSONValue) throws(InvalidSnapshot) {
        var ignored: [String] = []
        try self.init(json: json, warnings: &ignored)
    }

    /// As `init(json:)`, also saying which values were implausible and read as null (a negative
    /// or non-numeric count), so the caller can warn instead of silently dropping them.
    public init(json: JSONValue, warnings: inout [String]) throws(InvalidSnapshot) {
        guard case .object = json else { throw InvalidSnapshot("the response is not a JSON object") }
        guard let jobId = json["job_id"]?.stringValue, !jobId.isEmpty else {
            throw InvalidSnapshot("the response has no job_id")
        }
        guard let status = json["status"]?.stringValue, !status.isEmpty else {
            throw InvalidSnapshot("the response for job \(jobId) has no status")
        }
        self.jobId = jobId
        self.status = JobStatus(rawValue: status)
        processed = Self.count(json, "processed", jobId: jobId, &warnings)
        bandsDone = Self.count(json, "bands_done", jobId: jobId, &warnings)
        bandsTotal = Self.count(json, "bands_total", jobId: jobId, &warnings)
        progressMessage = json["progress_message"]?.stringValue
        degraded = json["degraded"]?.boolValue
        errorMessage = json["error_message"]?.stringValue
        if let m = json["manifest"], case .object = m { manifest = Manifest(json: m) } else { manifest = nil }
    }

    /// A non-negative whole number, or nil; anything else present (text, a fraction, a negative
    /// number) is nil with a warning.
    private static func count(_ json: JSONValue, _ key: String, jobId: String, _ warnings: inout [String]) -> Int? {
        guard let value = json[key], !value.isNull else { return nil }
        if let n = value.intValue, n >= 0 { return n }
        let shown = value.serialized()
        warnings.append("job \(jobId): \(key) is \(shown.count > 40 ? String(shown.prefix(40)) + "…" : shown), not a count; read as null")
        return nil
    }

    /// The fields as the API names them (also how the store keeps a snapshot).
    public var json: JSONValue {
        .object([
            ("job_id", .string(jobId)), ("status", .string(status.rawValue)),
            ("processed", .optional(processed)), ("bands_done", .optional(bandsDone)),
            ("bands_total", .optional(bandsTotal)), ("progress_message", .optional(progressMessage)),
            ("degraded", .optional(degraded)), ("error_message", .optional(errorMessage)),
            ("manifest", manifest?.json ?? .null),
        ])
    }
}

/// As the API names the fields, which is also how the state store keeps a snapshot.
extension JobSnapshot: Codable {
    enum CodingKeys: String, CodingKey {
        case jobId = "job_id", status, processed, bandsDone = "bands_done", bandsTotal = "bands_total"
        case progressMessage = "progress_message", degraded, errorMessage = "error_message", manifest
    }
}

extension JobStatus: Codable {}
