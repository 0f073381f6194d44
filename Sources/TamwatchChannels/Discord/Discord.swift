import Foundation
import TamwatchModel

/// Discord webhooks, posted with `?wait=true` so a message that fails to save is an error, not a
/// silent 204. Limits: `content` 2,000; 10 embeds; title 256, description 4,096, 25 fields (name
/// 256, value 1,024), footer 2,048, author 256; 6,000 characters across all embeds.
public enum Discord: Sendable {
    static let content = 2000, maxEmbeds = 10, title = 256, description = 4096, maxFields = 25
    static let fieldName = 256, fieldValue = 1024, footer = 2048, author = 256, embedsTotal = 6000

    /// Pings no one, whatever the text says (`@everyone`, `@here`, a role), unless the template
    /// sets its own `allowed_mentions`.
    static let noMentions: JSONValue = .object([("parse", .array([]))])

    public static func fit(_ payload: JSONValue) -> JSONValue {
        var out = payload.truncating("content", to: content)
        if case .object = out, out["allowed_mentions"] == nil { out = out.setting("allowed_mentions", noMentions) }
        guard case .array(let embeds)? = payload["embeds"] else { return out }
        var fitted = embeds.prefix(maxEmbeds).map(fitEmbed)
        // The 6,000 total: shorten descriptions from the last embed back, then drop embeds.
        var over = fitted.map(embedLength).reduce(0, +) - embedsTotal
        var i = fitted.count - 1
        while over > 0, i >= 0 {
            if let d = fitted[i]["description"]?.stringValue, d.count > 1 {
                let keep = max(1, d.count - over)
                fitted[i] = fitted[i].setting("description", .string(Truncate.characters(d, keep)))
                over = fitted.map(embedLength).reduce(0, +) - embedsTotal
            }
            i -= 1
        }
        while over > 0, fitted.count > 1 {
            fitted.removeLast()
            over = fitted.map(embedLength).reduce(0, +) - embedsTotal
        }
        out = out.setting("embeds", .array(fitted))
        return out
    }

    static func fitEmbed(_ e: JSONValue) -> JSONValue {
        var e = e.truncating("title", to: title).truncating("description", to: description)
        if case .array(let fields)? = e["fields"] {
            e = e.setting(
                "fields", .array(fields.prefix(maxFields).map { $0.truncating("name", to: fieldName).truncating("value", to: fieldValue) }))
        }
        if let f = e["footer"] { e = e.setting("footer", f.truncating("text", to: footer)) }
        if let a = e["author"] { e = e.setting("author", a.truncating("name", to: author)) }
        return e
    }

    /// The characters Discord counts toward the 6,000 (whitespace at the ends is trimmed first).
    static func embedLength(_ e: JSONValue) -> Int {
        func n(_ v: JSONValue?) -> Int { v?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines).count ?? 0 }
        var total = n(e["title"]) + n(e["description"]) + n(e["footer"]?["text"]) + n(e["author"]?["name"])
        if case .array(let fields)? = e["fields"] { total += fields.map { n($0["name"]) + n($0["value"]) }.reduce(0, +) }
        return total
    }

}
