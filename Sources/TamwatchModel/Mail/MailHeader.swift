import Foundation

/// Header values of an email as RFC 5322 and RFC 2047 want them: folded, encoded, dated.
public enum MailHeader {
    /// RFC 5322 line lengths: at most 78 characters a line where it can be helped, 998 at most.
    static let lineLimit = 78

    /// A header value for the Subject: ASCII as it is, folded at spaces into lines of at most 78
    /// characters (RFC 5322); anything else, or a word too long to fold, as RFC 2047 encoded
    /// words (UTF-8, base64) of at most 75 characters, one per line. Line breaks and other
    /// control characters in the text become spaces: a value is never a second header.
    public static func encodedWord(_ text: String, folding: Bool = true, headerName: String = "Subject") -> String {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        let words = clean.split(separator: " ", omittingEmptySubsequences: false)
        let firstLine = headerName.count + 2  // "Subject: "
        if !clean.unicodeScalars.contains(where: { !$0.isASCII }), words.allSatisfy({ $0.count <= lineLimit - firstLine }) {
            guard folding else { return clean }
            var out = ""
            var lineLength = firstLine
            for (i, word) in words.enumerated() {
                if i > 0 {
                    if lineLength + 1 + word.count > lineLimit, !word.isEmpty {
                        out += "\r\n "
                        lineLength = 1
                    } else {
                        out += " "
                        lineLength += 1
                    }
                }
                out += word
                lineLength += word.count
            }
            return out
        }
        // 45 bytes make a 72-character word; the first line also holds "Subject: ".
        var chunks: [String] = []
        var chunk = ""
        for ch in clean {
            let room = folding && chunks.isEmpty ? (lineLimit - firstLine - 12) / 4 * 3 : 45
            if !chunk.isEmpty, (chunk + String(ch)).utf8.count > room {
                chunks.append(chunk)
                chunk = ""
            }
            chunk.append(ch)
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        return chunks.map { "=?UTF-8?B?" + Data($0.utf8).base64EncodedString() + "?=" }.joined(separator: folding ? "\r\n " : " ")
    }

    /// `a, b, c` folded after a comma when a line would pass 78 characters.
    public static func foldList(_ items: [String], headerName: String) -> String {
        var out = ""
        var lineLength = headerName.count + 2
        for (i, item) in items.enumerated() {
            if i > 0 {
                out += ","
                lineLength += 1
                if lineLength + 1 + item.count > lineLimit { out += "\r\n "; lineLength = 1 } else { out += " "; lineLength += 1 }
            }
            out += item
            lineLength += item.count
        }
        return out
    }

    /// `Mon, 30 Nov 2026 00:30:00 +0000`
    public static func rfc5322Date(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(tmv.tm_wday)]), \(tmv.tm_mday) \(months[Int(tmv.tm_mon)]) \(Int(tmv.tm_year) + 1900) "
            + "\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec)) +0000"
    }
}
