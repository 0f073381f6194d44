import Foundation
import TamwatchHTTP

extension FuzzChecks {
    /// A `Retry-After` or HTTP date from a server: a date that parses formats as an IMF-fixdate
    /// that parses to the same instant (up to the end of year 9999); a wait is never negative nor beyond the ceiling.
    public static func http(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        if let wait = RetryAfter.parse(text, now: now), wait < .zero || wait > RetryAfter.ceiling {
            return "Retry-After '\(text.prefix(80))' gave a wait of \(wait)"
        }
        guard let date = HTTPDate.parse(text) else { return nil }
        let fixdate = imfFixdate(date)
        // 23:59:60 on the last day of 9999 is a moment of year 10000, which no HTTP date writes.
        if date.timeIntervalSince1970 >= 253_402_300_800 { return nil }
        guard let again = HTTPDate.parse(fixdate) else { return "'\(text.prefix(80))' parsed, but its IMF-fixdate \(fixdate) does not" }
        if again != date { return "'\(text.prefix(80))' is \(date), its IMF-fixdate \(fixdate) is \(again)" }
        return nil
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, written independently of the parser.
    static func imfFixdate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = String(Int(t.tm_year) + 1900)
        return
            "\(days[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(String(repeating: "0", count: max(0, 4 - year.count)) + year) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }
}
