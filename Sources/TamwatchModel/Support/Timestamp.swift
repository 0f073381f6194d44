import Foundation

/// RFC 3339 timestamps with milliseconds in UTC, as the event envelope uses (`2026-11-29T12:00:00.123Z`).
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        // To the nearest millisecond: `.123` parses to a double a hair below 0.123 s, and must
        // format as `.123` again. Seconds are floored, so a time before 1970 keeps its sign right.
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = ms / 1000
        var milli = Int(ms % 1000)
        if milli < 0 {
            milli += 1000
            seconds -= 1
        }
        var t = time_t(seconds)
        var tmv = tm()
        gmtime_r(&t, &tmv)
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
    /// Parses what `format` writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`); seconds without a fraction, or
    /// with up to nine fractional digits (kept to the millisecond), also pass.
    public static func parse(_ text: String) -> Date? {
        // Exactly `YYYY-MM-DDTHH:MM:SS[.fraction]Z`: a year of four digits, every field in range,
        // so that what parses formats back to the same instant (and no number can overflow).
        let u = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= u.count else { return nil }
            var n = 0
            for i in range {
                guard (0x30...0x39).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - 0x30)
            }
            return n
        }
        guard u.count >= 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A, u.last == 0x5A,
            let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10), let h = digits(11..<13),
            let m = digits(14..<16), let whole = digits(17..<19), (1...12).contains(month), (1...31).contains(day), h < 24, m < 60,
            whole <= 60
        else { return nil }
        var s = Double(whole)
        if u.count > 20 {
            // A fraction: a dot and at least one digit before the Z.
            guard u[19] == 0x2E, u.count > 21, u.count - 21 <= 9, let fraction = digits(20..<(u.count - 1)) else { return nil }
            // Kept to the millisecond, the envelope's precision: what parses formats back the same.
            s += (Double(fraction) / pow(10, Double(u.count - 21)) * 1000).rounded() / 1000
        }
        let d = [year, month, day]
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
