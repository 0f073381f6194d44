import Foundation

/// One HTTP header, kept in the order it was sent or received.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }

    /// RFC 9110 `tchar`: what a header name is made of.
    public static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// One line of text: no CR, LF, NUL or other control characters (a tab is allowed).
    public static func isValidValue(_ value: String) -> Bool {
        !value.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
    }

    /// A mail header value may be folded (CRLF followed by a space or tab); no other line break.
    static func isValidMailValue(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0D {
                guard i + 2 < bytes.count, bytes[i + 1] == 0x0A, bytes[i + 2] == 0x20 || bytes[i + 2] == 0x09 else { return false }
                i += 3
                continue
            }
            if (b < 0x20 && b != 0x09) || b == 0x7F { return false }
            i += 1
        }
        return true
    }

    /// Why this header cannot be sent, or nil.
    package func problem(mail: Bool) -> String? {
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
            return "header name '\(TerminalText.safe(name))' is not a token"
        }
        guard mail ? Self.isValidMailValue(value) : Self.isValidValue(value) else {
            return "header \(name) holds a line break or a control character"
        }
        return nil
    }
}
