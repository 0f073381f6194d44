import Foundation

/// The three HTTP-date forms (RFC 9110, section 5.6.7), always GMT:
/// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate), `Sunday, 06-Nov-94 08:49:37 GMT` (RFC 850) and
/// `Sun Nov  6 08:49:37 1994` (asctime).
public enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    public static func parse(_ text: String) -> Date? {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.count == 6, words[0].hasSuffix(","), words[5] == "GMT" {
            // IMF-fixdate: day, DD Mon YYYY HH:MM:SS GMT
            guard let day = Int(words[1]), let month = month(words[2]), let year = Int(words[3]), words[3].count == 4 else { return nil }
            return make(year: year, month: month, day: day, time: words[4])
        }
        if words.count == 4, words[0].hasSuffix(","), words[3] == "GMT" {
            // RFC 850: Weekday, DD-Mon-YY HH:MM:SS GMT; a two-digit year is the one within 50 years of now.
            let parts = words[1].split(separator: "-").map(String.init)
            guard parts.count == 3, let day = Int(parts[0]), let month = month(parts[1]), let yy = Int(parts[2]), parts[2].count == 2 else {
                return nil
            }
            return make(year: yy < 70 ? 2000 + yy : 1900 + yy, month: month, day: day, time: words[2])
        }
        if words.count == 5, !words[0].hasSuffix(",") {
            // asctime: Wkd Mon D HH:MM:SS YYYY
            guard let month = month(words[1]), let day = Int(words[2]), let year = Int(words[4]), words[4].count == 4 else { return nil }
            return make(year: year, month: month, day: day, time: words[3])
        }
        return nil
    }

    private static func month(_ name: String) -> Int? {
        months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }

    private static func make(year: Int, month: Int, day: Int, time: String) -> Date? {
        let hms = time.split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (1...31).contains(day), (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2]),
            (1...9999).contains(year)
        else { return nil }
        var t = tm()
        t.tm_year = Int32(year - 1900)
        t.tm_mon = Int32(month - 1)
        t.tm_mday = Int32(day)
        t.tm_hour = Int32(hms[0])
        t.tm_min = Int32(hms[1])
        t.tm_sec = Int32(hms[2])
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t)))
    }
}
