import Foundation

/// A list's position as clients see it: `c` and the row's position in base 36 (`c2n9c`), so
/// that OpenAPI can say exactly what one looks like (`^c[0-9a-z]{1,12}$`) while clients still
/// take it as it comes, from `next_cursor`.
public enum Cursor {
    public static let pattern = "^c[0-9a-z]{1,12}$"

    public static func encode(_ n: Int64) -> String { "c" + String(n, radix: 36) }

    /// Every text that matches `pattern` decodes (twelve base-36 digits fit in an Int64).
    public static func decode(_ text: String) -> Int64? {
        guard text.hasPrefix("c"), (2...13).contains(text.utf8.count),
            text.utf8.dropFirst().allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        return Int64(text.dropFirst(), radix: 36)
    }
}
