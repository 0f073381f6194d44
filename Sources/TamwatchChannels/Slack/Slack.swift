import Foundation
import TamwatchModel

/// Slack incoming webhooks: `text` (the notification) plus Block Kit `blocks`.
/// Limits (docs.slack.dev): 50 blocks, section text 3,000, header 150, 10 fields of 2,000,
/// 10 context elements, top-level text 40,000. About one message per second per webhook.
public enum Slack: Sendable {
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
            blocks.append(
                .object([
                    ("type", .string("context")),
                    (
                        "elements",
                        .array([
                            .object([
                                ("type", .string("mrkdwn")),
                                ("text", .string("… \(dropped) more blocks not shown (Slack shows at most \(maxBlocks))")),
                            ])
                        ])
                    ),
                ]))
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
