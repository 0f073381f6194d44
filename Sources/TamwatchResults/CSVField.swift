/// RFC 4180 quoting: a field with a comma, a double quote, a line break or surrounding
/// spaces is put in double quotes, with its double quotes doubled.
public enum CSVField {
    public static func quote(_ field: String) -> String {
        let needs =
            field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first == " " || field.last == " "
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
