import Foundation

/// RFC 3339 timestamps with milliseconds in UTC, as the event envelope uses (`2026-11-29T12:00:00.123Z`).
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms / 1000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let milli = Int(ms % 1000 < 0 ? ms % 1000 + 1000 : ms % 1000)
        // Digits by hand: String(format:) was a sixth of the rule engine's time.
        var out = [UInt8]()
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var v = value, buffer = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            for i in stride(from: width - 1, through: 0, by: -1) {
                buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            out += buffer
        }
        digits(Int(tmv.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(tmv.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(tmv.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(tmv.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(tmv.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(tmv.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(milli, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension Timestamp {
    /// Parses what `format` writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`); seconds without a fraction also pass.
    public static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: "T")
        guard parts.count == 2, text.hasSuffix("Z") else { return nil }
        let d = parts[0].split(separator: "-").compactMap { Int($0) }
        let timeText = parts[1].dropLast()
        let hms = timeText.split(separator: ":")
        guard d.count == 3, hms.count == 3, let h = Int(hms[0]), let m = Int(hms[1]), let s = Double(hms[2]) else { return nil }
        var tmv = tm()
        tmv.tm_year = Int32(d[0] - 1900)
        tmv.tm_mon = Int32(d[1] - 1)
        tmv.tm_mday = Int32(d[2])
        tmv.tm_hour = Int32(h)
        tmv.tm_min = Int32(m)
        tmv.tm_sec = 0
        let base = timegm(&tmv)
        return Date(timeIntervalSince1970: Double(base) + s)
    }
}
