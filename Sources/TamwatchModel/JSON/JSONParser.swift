import Foundation

struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    var depth = 0
    var skippedTopLevelKeys: Set<String> = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipSpace()
        let value = try parseValue()
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected data after the value") }
        return value
    }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try parseNumber()
        }
    }

    mutating func literal(_ word: String) throws(JSONParseError) {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else {
            throw fail("unexpected character")
        }
        i += w.count
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > 512 { throw fail("nesting deeper than 512") }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var members: [(String, JSONValue)] = []
        var keys = Set<String>()
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyStart = i
            let key = try parseString()
            // Two values for one key could be read two ways (the first, the last): refuse it.
            guard keys.insert(key).inserted else { throw JSONParseError(offset: keyStart, reason: "duplicate key \"\(key)\"") }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipSpace()
            if depth == 1, skippedTopLevelKeys.contains(key) {
                try skipValue()
                members.append((key, .null))
            } else {
                members.append((key, try parseValue()))
            }
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input in an object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw fail("expected ',' or '}'")
        }
    }

    /// Moves past one value, keeping track of strings and nesting but building nothing.
    mutating func skipValue() throws(JSONParseError) {
        let result: Int? = bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            return JSONParser.skip(base, count: buffer.count, from: i)
        }
        guard let end = result else { throw fail("unexpected end of input in a skipped value") }
        i = end
    }

    /// The offset just past the value at `start`, or nil when the input ends first.
    private static func skip(_ p: UnsafePointer<UInt8>, count n: Int, from start: Int) -> Int? {
        var i = start
        var nesting = 0
        while i < n {
            switch p[i] {
            case UInt8(ascii: "\""):
                guard let end = stringEnd(p, count: n, from: i + 1) else { return nil }
                i = end
                if nesting == 0 { return i }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nesting += 1
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if nesting == 0 { return i }
                nesting -= 1
                i += 1
                if nesting == 0 { return i }
            case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                if nesting == 0 { return i }
                i += 1
            default:
                i += 1
            }
        }
        return nesting == 0 && i > start ? i : nil
    }

    /// The offset just past the closing quote of a string whose body starts at `from`.
    private static func stringEnd(_ p: UnsafePointer<UInt8>, count n: Int, from: Int) -> Int? {
        var i = from
        while i < n {
            guard let hit = memchr(p + i, Int32(UInt8(ascii: "\"")), n - i) else { return nil }
            let q = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - p
            var backslashes = 0
            while q - backslashes - 1 >= from, p[q - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return q + 1 }
            i = q + 1
        }
        return nil
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try parseValue())
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input in an array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        i += 1
        var buffer: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    // A high surrogate pairs with a low one that follows at once; a lone
                    // surrogate becomes U+FFFD and whatever follows it is read on its own.
                    if (0xD800...0xDBFF).contains(code), i + 5 < bytes.count,
                        bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u")
                    {
                        let mark = i
                        i += 2
                        let low = try hex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            i = mark
                        }
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    buffer.append(contentsOf: Array(String(scalar).utf8))
                default: throw fail("invalid escape")
                }
                continue
            }
            if b < 0x20 { throw fail("control character in a string") }
            buffer.append(b)
            i += 1
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, exactly (RFC 8259).
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = i
        func digit() -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        func digits() throws(JSONParseError) {
            guard digit() else { throw fail(i < bytes.count ? "expected a digit" : "unexpected end of input in a number") }
            while digit() { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digit() else { throw fail(i == start ? "unexpected character" : "expected a digit after '-'") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if digit() { throw fail("leading zeros are not allowed") }
        } else {
            while digit() { i += 1 }
        }
        var isInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            try digits()
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            try digits()
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger, let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw fail("invalid number '\(text)'") }
        return .double(d)
    }
}
