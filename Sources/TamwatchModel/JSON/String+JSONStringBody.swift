extension String {
    /// The text as it goes between the quotes of a JSON string (a template's escaping).
    public static func jsonStringBody(_ text: String) -> String {
        var quoted = ""
        JSONValue.string(text).write(into: &quoted)
        return String(quoted.dropFirst().dropLast())
    }
}
