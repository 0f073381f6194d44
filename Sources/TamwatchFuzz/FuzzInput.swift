/// Reads a fuzzer's bytes as the values a check needs, never failing: past the end, every
/// number is 0 and every string empty, so any input means something.
struct FuzzInput {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    var isEmpty: Bool { bytes.isEmpty }

    mutating func byte() -> UInt8 { bytes.popFirst() ?? 0 }

    /// A number below `bound` (1 if the bound is 0).
    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(byte()) % bound }

    mutating func int32() -> Int32 {
        var n: UInt32 = 0
        for _ in 0..<4 { n = n << 8 | UInt32(byte()) }
        return Int32(bitPattern: n)
    }

    /// Text up to the next 0 byte (the separator the corpora use), as UTF-8 with repairs.
    mutating func string() -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let text = String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
        bytes = end == bytes.endIndex ? bytes[end...] : bytes[(end + 1)...]
        return text
    }

    /// Every remaining string (at least one).
    mutating func strings() -> [String] {
        var out = [string()]
        while !bytes.isEmpty { out.append(string()) }
        return out
    }
}
