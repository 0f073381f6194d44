import Foundation

/// Byte counts for people: `512 bytes`, `64 KiB`, `32 MiB`.
public enum ByteCount {
    public static func format(_ n: Int) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}
