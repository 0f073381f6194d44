import Foundation
import TamwatchModel

/// Shortening that shows: a cut text ends with "…".
enum Truncate {
    /// At most `limit` characters.
    static func characters(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// At most `limit` UTF-8 bytes, cut on a character boundary.
    static func bytes(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var used = 0
        for ch in text {
            let n = String(ch).utf8.count
            if used + n + 3 > limit { break }
            out.append(ch)
            used += n
        }
        return out + "…"
    }
}

extension JSONValue {
    /// The object with `key` set (added at the end when absent).
    func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
        return .object(members)
    }

    /// A string member cut to `limit` characters, if present.
    func truncating(_ key: String, to limit: Int) -> JSONValue {
        guard let text = self[key]?.stringValue, text.count > limit else { return self }
        return setting(key, .string(Truncate.characters(text, limit)))
    }
}
