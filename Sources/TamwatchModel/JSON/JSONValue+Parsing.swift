import Foundation

// MARK: - Parsing

extension JSONValue {
    /// Parses JSON text; object key order is kept. Throws `JSONParseError` naming the byte offset.
    public static func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
        let bytes = [UInt8](data)
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Data(text.utf8))
    }

    /// Parses a JSON object but only scans past the values of `skipped` top-level keys (they come
    /// back as null): a poll's page of rows is checked for shape, never built.
    public static func parse(_ data: Data, skippingTopLevel skipped: Set<String>) throws(JSONParseError) -> JSONValue {
        try parse(bytes: [UInt8](data), skippingTopLevel: skipped)
    }

    public static func parse(bytes: [UInt8], skippingTopLevel skipped: Set<String> = []) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skippedTopLevelKeys = skipped
        return try parser.parseDocument()
    }
}
