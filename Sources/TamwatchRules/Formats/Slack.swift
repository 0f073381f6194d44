import Foundation
import TamwatchModel

/// Slack incoming webhooks: `text` (the notification) plus Block Kit `blocks`.
/// Limits (docs.slack.dev): 50 blocks, section text 3,000, header 150, 10 fields of 2,000,
/// 10 context elements, top-level text 40,000. About one message per second per webhook.
public enum Slack: ChatFormat {
    static let maxBlocks = 50, sectionText = 3000, headerText = 150, maxFields = 10, fieldText = 2000
    static let contextElements = 10, topText = 40_000

    /// mrkdwn's control characters, `&`, `<`, `>`, as entities (and nothing else).
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    public static func fit(_ payload: JSONValue) -> JSONValue {
        var out = payload.truncating("text", to: topText)
        guard case .array(var blocks)? = payload["blocks"] else { return out }
        // Most messages are within every limit: leave them as they are.
        if blocks.count <= maxBlocks, !blocks.contains(where: overLimit) { return out }
        blocks = blocks.map(fitBlock)
        if blocks.count > maxBlocks {
            let dropped = blocks.count - (maxBlocks - 1)
            blocks = Array(blocks.prefix(maxBlocks - 1))
            blocks.append(.object([("type", .string("context")), ("elements", .array([
                .object([("type", .string("mrkdwn")), ("text", .string("… \(dropped) more blocks not shown (Slack shows at most \(maxBlocks))"))]),
            ]))]))
        }
        out = out.setting("blocks", .array(blocks))
        return out
    }

    /// Whether a block breaks a limit `fitBlock` enforces.
    static func overLimit(_ block: JSONValue) -> Bool {
        func over(_ v: JSONValue?, _ limit: Int) -> Bool { (v?.stringValue?.count ?? 0) > limit }
        switch block["type"]?.stringValue {
        case "header": return over(block["text"]?["text"], headerText)
        case "section":
            if over(block["text"]?["text"], sectionText) { return true }
            guard case .array(let fields)? = block["fields"] else { return false }
            return fields.count > maxFields || fields.contains { over($0["text"], fieldText) }
        case "context":
            guard case .array(let elements)? = block["elements"] else { return false }
            return elements.count > contextElements || elements.contains { over($0["text"], sectionText) }
        default: return false
        }
    }

    static func fitBlock(_ block: JSONValue) -> JSONValue {
        switch block["type"]?.stringValue {
        case "header":
            guard let text = block["text"] else { return block }
            return block.setting("text", text.truncating("text", to: headerText))
        case "section":
            var b = block
            if let text = block["text"] { b = b.setting("text", text.truncating("text", to: sectionText)) }
            if case .array(let fields)? = block["fields"] {
                b = b.setting("fields", .array(fields.prefix(maxFields).map { $0.truncating("text", to: fieldText) }))
            }
            return b
        case "context":
            guard case .array(let elements)? = block["elements"] else { return block }
            return block.setting("elements", .array(elements.prefix(contextElements).map { $0.truncating("text", to: sectionText) }))
        default:
            return block
        }
    }

}

/// Mattermost incoming webhooks: Slack-compatible `text` (Markdown) and `attachments`; no Block
/// Kit. Text up to 16,383 characters. Success is 200 `ok`.
public enum Mattermost: ChatFormat {
    static let maxText = 16_383

    /// Slack's escaping, and `@channel`, `@here` and `@all` broken by a zero-width space, so a
    /// value (a progress message, a label) can never notify a whole channel.
    public static func escape(_ text: String) -> String {
        MentionGuard.breaking(["@channel", "@here", "@all"], in: Slack.escape(text))
    }

    public static func fit(_ payload: JSONValue) -> JSONValue {
        payload.truncating("text", to: maxText)
    }

}

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
