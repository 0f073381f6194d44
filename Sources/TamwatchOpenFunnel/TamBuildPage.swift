import Foundation
import TamwatchModel

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
        do { snapshot = try JobSnapshot(json: json, warnings: &warnings) } catch { throw .invalidResponse(error.reason) }
        if case .array(let items)? = json["rows"] { rows = items.map(CompanyRow.init(json:)) } else { rows = [] }
        page = json["page"]?.stringValue
        nextCursor = json["next_cursor"]?.stringValue
        count = json["count"]?.intValue ?? rows.count
    }
}
