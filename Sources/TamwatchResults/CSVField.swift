/// RFC 4180 quoting: a field with a comma, a double quote, a line break or surrounding
/// spaces is put in double quotes, with its double quotes doubled.
///
/// Looked at byte by byte, not by Swift's characters: `,` followed by a combining accent is one
/// character that is not a comma, yet every CSV reader splits the field there.
public enum CSVField {
    public static func quote(_ field: String) -> String {
        let bytes = field.utf8
        let needs =
            bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            || bytes.first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ")
        guard needs else { return field }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(bytes.count + 2)
        for byte in bytes {
            out.append(byte)
            if byte == UInt8(ascii: "\"") { out.append(byte) }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
