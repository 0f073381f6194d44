import Foundation

// MARK: - Serialising

extension JSONValue {
    /// Compact JSON text, keys in insertion order, no trailing newline.
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    public func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite { out += "\(d)" } else { out += "null" }
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        var s = s
        s.makeContiguousUTF8()  // a no-op for native strings
        out += "\""
        // Most strings need no escaping: append them whole. Otherwise escape byte by byte
        // (appending scalar by scalar, as this once did, is many times slower).
        _ = s.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.contains(where: needsEscape) else { out += s; return }
            var escaped = [UInt8]()
            escaped.reserveCapacity(bytes.count + 16)
            for b in bytes {
                guard needsEscape(b) else { escaped.append(b); continue }
                escaped.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""): escaped.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): escaped.append(UInt8(ascii: "\\"))
                case 0x0A: escaped.append(UInt8(ascii: "n"))
                case 0x0D: escaped.append(UInt8(ascii: "r"))
                case 0x09: escaped.append(UInt8(ascii: "t"))
                default: escaped += Array(String(format: "u%04x", Int(b)).utf8)
                }
            }
            out += String(decoding: escaped, as: UTF8.self)
        }
        out += "\""
    }

    @inline(__always)
    private static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }
}
