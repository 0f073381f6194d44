import Foundation

/// What makes a configured URL unusable, said without repeating it (a chat webhook's URL is a
/// secret): the scheme, spaces or control characters, a missing host, a port out of range.
public enum URLCheck {
    public static func problem(_ url: String, schemes: [String]) -> String? {
        guard schemes.contains(where: { url.lowercased().hasPrefix($0) }) else {
            return "must start with \(schemes.joined(separator: " or ")) (the value is not shown)"
        }
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            return "holds a space, a line break or a control character (the value is not shown)"
        }
        if let authority = authority(url), let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let portText = authority[authority.index(after: colon)...]
            if !portText.isEmpty, Int(portText).map({ (1...65535).contains($0) }) != true {
                return "the port is not a number between 1 and 65535"
            }
        }
        guard let components = URLComponents(string: url) else { return "is not a valid URL (the value is not shown)" }
        guard let host = components.host, !host.isEmpty else { return "has no host (the value is not shown)" }
        return nil
    }

    /// `user@host:port` of `scheme://user@host:port/path`.
    static func authority(_ url: String) -> Substring? {
        guard let start = url.range(of: "://")?.upperBound else { return nil }
        let rest = url[start...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<end]
        return authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
    }
}
