import Foundation

/// One company row of a result page. Every field may be null; unknown fields are kept in `json`.
public struct CompanyRow: Sendable, Equatable {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }
    public var name: String? { json["name"]?.stringValue }
    public var domain: String? { json["domain"]?.stringValue }
    public var matchScore: Int? { json["match_score"]?.intValue }
    public var sourceBand: String? { json["source_band"]?.stringValue }
}
