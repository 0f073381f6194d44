import Foundation

/// Breaks mention syntax that would notify everyone, by putting a zero-width space after its
/// first character: the text reads the same and pings no one.
enum MentionGuard {
    static let zeroWidthSpace: Character = "\u{200B}"

    /// `words` matched case-insensitively; with `wholeWord`, only when not followed by a letter,
    /// digit, `_`, `-` or `.` (`@channels` or `@here.now` are not mentions).
    static func breaking(_ words: [String], in text: String, wholeWord: Bool = true) -> String {
        guard words.contains(where: { text.range(of: $0, options: .caseInsensitive) != nil }) else { return text }
        var out = ""
        var rest = Substring(text)
        outer: while !rest.isEmpty {
            for word in words {
                guard let r = rest.range(of: word, options: [.caseInsensitive, .anchored]) else { continue }
                let next = rest[r.upperBound...].first
                if wholeWord, let next, next.isLetter || next.isNumber || next == "_" || next == "-" || next == "." { continue }
                var hit = String(rest[r])
                hit.insert(zeroWidthSpace, at: hit.index(after: hit.startIndex))
                out += hit
                rest = rest[r.upperBound...]
                continue outer
            }
            out.append(rest.removeFirst())
        }
        return out
    }
}
