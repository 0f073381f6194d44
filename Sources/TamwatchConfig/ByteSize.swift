import Foundation

/// A size in bytes as a config writes it: `10MB`, `512KB`, `2048` (1 KB = 1,024 bytes).
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let upper = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        for (suffix, factor) in units where upper.hasSuffix(suffix) {
            guard let n = Int(upper.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n >= 0 else { return nil }
            return n.multipliedReportingOverflow(by: factor).overflow ? nil : n * factor
        }
        return Int(upper).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func problem(_ text: String) -> String {
        "'\(text)' is not a size (write 10MB, 512KB or a number of bytes)"
    }
}
