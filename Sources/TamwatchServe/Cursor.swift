import Foundation

/// Cursors are opaque to clients: a row position, encoded so nobody builds one by hand.
enum Cursor {
    static func encode(_ n: Int64) -> String {
        Data("c\(n)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }

    static func decode(_ text: String) -> Int64? {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let s = String(data: data, encoding: .utf8), s.hasPrefix("c"),
            let n = Int64(s.dropFirst()), n >= 0
        else { return nil }
        return n
    }
}
