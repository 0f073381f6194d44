import Foundation

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

    public init(
        pages: Int? = nil, pageSize: Int? = nil, uniqueCount: Int? = nil, partial: Bool? = nil,
        degraded: Bool? = nil, ranked: Bool? = nil, stopReason: String? = nil, creditsConsumed: Double? = nil
    ) {
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

/// As the API names the fields, which is also how the state store keeps a manifest.
extension Manifest: Codable {
    enum CodingKeys: String, CodingKey {
        case pages, pageSize = "page_size", uniqueCount = "unique_count", partial, degraded, ranked
        case stopReason = "stop_reason", creditsConsumed = "credits_consumed"
    }
}
