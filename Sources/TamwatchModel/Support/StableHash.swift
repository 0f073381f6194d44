/// A 128-bit FNV-1a hash of a string: stable across runs, versions and machines, which
/// `Hasher` is not. Event ids are built from it, so it must never change.
public enum StableHash {
    public static func hex128(_ text: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = b &+ (a >> 29)
        }
        return hex(a) + hex(b)
    }

    /// 64-bit FNV-1a of bytes (an exported list's domains, a config file's contents).
    @inlinable
    public static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    private static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
