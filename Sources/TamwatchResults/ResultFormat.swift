import TamwatchModel

/// How a build's rows are written: CSV (RFC 4180, a header row, `industries` joined with `; `)
/// or NDJSON (each row as the API gave it, one per line).
public enum ResultFormat: String, Sendable, CaseIterable {
    case csv, ndjson

    /// The CSV columns, in order.
    public static let columns = [
        "name", "domain", "linkedin_url", "headquarters", "hq_city", "hq_region", "hq_country", "employee_count",
        "funding_stage", "industries", "match_score", "source_band", "source_query", "match_reason",
    ]

    public var fileExtension: String { rawValue }

    /// What starts the file (the CSV header), or nothing.
    public var header: String {
        switch self {
        case .csv: return Self.columns.map(CSVField.quote).joined(separator: ",") + "\r\n"
        case .ndjson: return ""
        }
    }

    /// One row, with its line ending.
    public func line(_ row: CompanyRow) -> String {
        switch self {
        case .ndjson: return row.json.serialized() + "\n"
        case .csv: return Self.columns.map { CSVField.quote(Self.text(row.json[$0], column: $0)) }.joined(separator: ",") + "\r\n"
        }
    }

    /// A value as CSV text: strings as they are, numbers as JSON writes them, `industries`
    /// joined with `; `, null as empty.
    static func text(_ value: JSONValue?, column: String) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let items)? where column == "industries":
            return items.map { $0.stringValue ?? $0.serialized() }.joined(separator: "; ")
        case let other?: return other.serialized()
        }
    }
}
