import Foundation
import TamwatchModel

/// Microsoft Teams Workflows webhooks: an Adaptive Card message. Success is any 2xx (Workflows
/// answers 202). About 28 KB at most: longer cards have their longest texts shortened.
public enum Teams: Sendable {
    static let maxBytes = 27 * 1024

    public static func fit(_ payload: JSONValue) -> JSONValue {
        var out = payload
        var size = out.serialized().utf8.count
        var rounds = 0
        while size > maxBytes, rounds < 64 {
            let excess = size - maxBytes
            guard let (path, text) = longestText(out, path: []) else { break }
            let keep = max(16, text.count - excess - 64)
            out = replacing(out, at: path, with: .string(Truncate.characters(text, keep)))
            size = out.serialized().utf8.count
            rounds += 1
        }
        return out
    }

    /// The longest `text` string anywhere in the card, and where.
    static func longestText(_ value: JSONValue, path: [PathStep]) -> ([PathStep], String)? {
        var best: ([PathStep], String)?
        func consider(_ c: ([PathStep], String)?) { if let c, c.1.count > (best?.1.count ?? 0) { best = c } }
        switch value {
        case .object(let members):
            for (k, v) in members {
                if k == "text", let s = v.stringValue {
                    consider((path + [.key(k)], s))
                } else {
                    consider(longestText(v, path: path + [.key(k)]))
                }
            }
        case .array(let items):
            for (i, v) in items.enumerated() { consider(longestText(v, path: path + [.index(i)])) }
        default: break
        }
        return best
    }

    enum PathStep { case key(String), index(Int) }

    static func replacing(_ value: JSONValue, at path: [PathStep], with new: JSONValue) -> JSONValue {
        guard let step = path.first else { return new }
        let rest = Array(path.dropFirst())
        switch (step, value) {
        case (.key(let k), .object):
            return value.setting(k, replacing(value[k] ?? .null, at: rest, with: new))
        case (.index(let i), .array(var items)) where i < items.count:
            items[i] = replacing(items[i], at: rest, with: new)
            return .array(items)
        default:
            return value
        }
    }

}
