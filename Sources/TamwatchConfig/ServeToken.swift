/// One of `serve.tokens`: a name (for logs and metrics), a scope, and the token itself or its
/// SHA-256, so that a config kept in git need hold no secret.
public struct ServeToken: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable {
        /// The page, the event stream, every GET and `/metrics`.
        case read
        /// Everything.
        case write
    }

    public enum Secret: Sendable, Equatable {
        case plain(String)
        /// The SHA-256 of the token's UTF-8 bytes (32 bytes).
        case sha256([UInt8])
    }

    public var name: String
    public var scope: Scope
    public var secret: Secret

    public init(name: String, scope: Scope, secret: Secret) {
        self.name = name
        self.scope = scope
        self.secret = secret
    }

    /// 64 hexadecimal digits as 32 bytes; nil for anything else.
    public static func digest(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let hi = hexValue(digits[i]), let lo = hexValue(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
