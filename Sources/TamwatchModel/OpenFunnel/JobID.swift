/// The one rule for a job id, wherever one comes in (the CLI, the API, an export, OpenFunnel's
/// own answers): 1 to 128 of the URL's unreserved characters (`A-Z a-z 0-9 - . _ ~`), and not
/// only dots. So an id is always one path segment as it is (`GET /api/v1/tam/build/{id}`), one
/// file name (`results/{id}.csv`), and one key in the store: no NUL, slash, `..` or space that
/// could make it name something else.
public enum JobID {
    public static let maxLength = 128

    /// Why `text` is not a job id, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        if text.isEmpty { return "a job id must not be empty" }
        if text.utf8.count > maxLength { return "a job id is at most \(maxLength) characters" }
        if let bad = text.unicodeScalars.first(where: { !isUnreserved($0) }) {
            let shown =
                bad.properties.generalCategory == .control || bad == " " ? "U+\(String(bad.value, radix: 16, uppercase: true))" : "'\(bad)'"
            return "a job id holds only letters, digits, '-', '.', '_' and '~' (not \(shown))"
        }
        if text.utf8.allSatisfy({ $0 == UInt8(ascii: ".") }) { return "a job id is not only dots" }
        return nil
    }

    public static func isValid(_ text: String) -> Bool { problem(text) == nil }

    private static func isUnreserved(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x2D, 0x2E, 0x5F, 0x7E: return true
        default: return false
        }
    }
}
