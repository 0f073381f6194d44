/// The one rule for a label (`--label key=value`, the API's `labels`): a key of 1 to 64
/// characters without `=`, a value of at most 1,024, and neither holding a control character or
/// a bidirectional override (a label is one line of plain text: it is shown on terminals and
/// pages, and goes into chat messages, headers and mail). At most 32 labels a watch.
public enum Label {
    public static let maxKeyLength = 64
    public static let maxValueLength = 1024
    public static let maxCount = 32

    /// Why `key` = `value` is not a label, or nil when it is one.
    public static func problem(key: String, value: String) -> String? {
        if key.isEmpty { return "a label key must not be empty" }
        if key.contains("=") { return "a label key must not contain '='" }
        if key.unicodeScalars.count > maxKeyLength { return "a label key is at most \(maxKeyLength) characters" }
        if value.unicodeScalars.count > maxValueLength { return "a label value is at most \(maxValueLength) characters" }
        if (key + value).unicodeScalars.contains(where: TerminalText.isControl) {
            return "a label must not contain control characters or bidirectional overrides (newlines, tabs, escapes)"
        }
        return nil
    }
}
