import Foundation
import TamwatchModel

/// Google Chat incoming webhooks: `text` and/or `cardsV2`, at most 32,000 bytes per message,
/// about one message per second per space (60 writes a minute, shared).
public enum GoogleChat: Sendable {
    static let maxBytes = 32_000

    /// `<users/all>` (and any `<users/…>` mention) broken by a zero-width space, so a value can
    /// never notify the whole space.
    public static func escape(_ text: String) -> String {
        MentionGuard.breaking(["<users/"], in: text, wholeWord: false)
    }

    public static func fit(_ payload: JSONValue) -> JSONValue {
        var out = payload
        if out.serialized().utf8.count > maxBytes, out["cardsV2"] != nil {
            // Cards go first: the text alone still tells what happened.
            guard case .object(let members) = out else { return out }
            out = .object(members.filter { $0.0 != "cardsV2" })
            if let text = out["text"]?.stringValue {
                out = out.setting("text", .string(text + "\n(details omitted: the card exceeded Google Chat's 32,000 bytes)"))
            }
        }
        var rounds = 0
        while case let excess = out.serialized().utf8.count - maxBytes, excess > 0, rounds < 8, let text = out["text"]?.stringValue {
            out = out.setting("text", .string(Truncate.bytes(text, max(64, text.utf8.count - excess - 64))))
            rounds += 1
        }
        return out
    }

}
