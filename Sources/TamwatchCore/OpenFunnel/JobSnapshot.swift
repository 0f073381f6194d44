/// The build summary, populated once a job is terminal.
public struct Manifest: Sendable, Equatable {
    public var pages: Int?
    public var pageSize: Int?
    public var uniqueCount: Int?
    public var partial: Bool?
    public var degraded: Bool?
    public var ranked: Bool?
    public var stopReason: String?
    /// A number, not an integer: credit amounts can be fractional.
    public var creditsConsumed: Double?

    public init(pages: Int? = nil, pageSize: Int? = nil, uniqueCount: Int? = nil, partial: Bool? = nil,
                degraded: Bool? = nil, ranked: Bool? = nil, stopReason: String? = nil, creditsConsumed: Double? = nil) {
        self.pages = pages
        self.pageSize = pageSize
        self.uniqueCount = uniqueCount
        self.partial = partial
        self.degraded = degraded
        self.ranked = ranked
        self.stopReason = stopReason
        self.creditsConsumed = creditsConsumed
    }

    /// Reads a manifest leniently: absent, null or mistyped fields become nil.
    public init(json: JSONValue) {
        pages = json["pages"]?.intValue
        pageSize = json["page_size"]?.intValue
        uniqueCount = json["unique_count"]?.intValue
        partial = json["partial"]?.boolValue
        degraded = json["degraded"]?.boolValue
        ranked = json["ranked"]?.boolValue
        stopReason = json["stop_reason"]?.stringValue
        creditsConsumed = json["credits_consumed"]?.doubleValue
    }

    public var json: JSONValue {
        .object([
            ("pages", .optional(pages)), ("page_size", .optional(pageSize)),
            ("unique_count", .optional(uniqueCount)), ("partial", .optional(partial)),
            ("degraded", .optional(degraded)), ("ranked", .optional(ranked)),
            ("stop_reason", .optional(stopReason)), ("credits_consumed", .optional(creditsConsumed)),
        ])
    }
}

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

    public init(jobId: String, status: JobStatus, processed: Int? = nil, bandsDone: Int? = nil, bandsTotal: Int? = nil,
                progressMessage: String? = nil, degraded: Bool? = nil, errorMessage: String? = nil, manifest: Manifest? = nil) {
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

    /// Reads a poll response leniently. Only `job_id` and `status` are required, as in the API's schema.
    public init(json: JSONValue) throws(OpenFunnelError) {
        var ignored: [String] = []
        try self.init(json: json, warnings: &ignored)
    }

    /// As `init(json:)`, also saying which values were implausible and read as null (a negative
    /// or non-numeric count), so the caller can warn instead of silently dropping them.
    public init(json: JSONValue, warnings: inout [String]) throws(OpenFunnelError) {
        guard case .object = json else { throw .invalidResponse("the response is not a JSON object") }
        guard let jobId = json["job_id"]?.stringValue, !jobId.isEmpty else {
            throw .invalidResponse("the response has no job_id")
        }
        guard let status = json["status"]?.stringValue, !status.isEmpty else {
            throw .invalidResponse("the response for job \(jobId) has no status")
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

/// One company row of a result page. Every field may be null; unknown fields are kept in `json`.
public struct CompanyRow: Sendable, Equatable {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }
    public var name: String? { json["name"]?.stringValue }
    public var domain: String? { json["domain"]?.stringValue }
    public var matchScore: Int? { json["match_score"]?.intValue }
    public var sourceBand: String? { json["source_band"]?.stringValue }
}

/// A whole poll response: the snapshot plus one page of rows.
public struct TamBuildPage: Sendable {
    public var snapshot: JobSnapshot
    public var rows: [CompanyRow]
    public var page: String?
    public var nextCursor: String?
    public var count: Int

    /// Values of the snapshot that were implausible and read as null.
    public var warnings: [String] = []

    public init(json: JSONValue) throws(OpenFunnelError) {
        snapshot = try JobSnapshot(json: json, warnings: &warnings)
        if case .array(let items)? = json["rows"] { rows = items.map(CompanyRow.init(json:)) } else { rows = [] }
        page = json["page"]?.stringValue
        nextCursor = json["next_cursor"]?.stringValue
        count = json["count"]?.intValue ?? rows.count
    }
}
