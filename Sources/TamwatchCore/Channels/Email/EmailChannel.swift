import Foundation

/// `type: email`: SMTP through libcurl. `smtp://` requires STARTTLS unless `starttls: off`;
/// `smtps://` is TLS from the first byte. AUTH with `username` and `password` when the server
/// offers it. Each message is multipart/alternative, plain text then HTML, with Date,
/// Message-ID (stable across retries), From, To and an encoded Subject.
public struct EmailChannel: DeliveryChannel {
    public let config: ChannelConfig
    let transport: any HTTPTransport

    public init(config: ChannelConfig, transport: any HTTPTransport) {
        self.config = config
        self.transport = transport
    }

    /// The mail for one attempt. Recipients that are not RFC 5322 addresses are left out (the
    /// renderer already dropped and reported them; this is the last line of defence for what
    /// reaches `RCPT TO` and the headers).
    public func request(for delivery: Delivery, now: Date) -> HTTPRequest {
        let m = delivery.message
        let listed = (m.to?.isEmpty == false ? m.to : nil) ?? config.to.filter { !$0.contains("{{") }
        let recipients = listed.compactMap(EmailAddress.init)
        let from = config.from.flatMap(EmailAddress.init) ?? EmailAddress("tamwatch@localhost")
        let headers = [
            HTTPHeader("Date", Self.rfc5322Date(now)),
            HTTPHeader("Message-ID", "<\(delivery.id)@tamwatch>"),
            HTTPHeader("From", from?.description ?? "tamwatch@localhost"),
            HTTPHeader("To", Self.foldList(recipients.map(\.description), headerName: "To")),
            HTTPHeader("Subject", Self.encodedWord(m.subject ?? "TAM build \(EventText.shortID(delivery.jobId)): \(delivery.eventType.rawValue)")),
        ]
        let mail = MailTransfer(from: from?.address ?? "tamwatch@localhost", recipients: recipients.map(\.address), headers: headers,
                                text: m.body, html: m.html, username: config.username, password: config.password,
                                requireTLS: config.startTLS)
        var request = config.request(method: "SMTP")
        request.mail = mail
        return request
    }

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        if let from = config.from, EmailAddress(from) == nil {
            return AttemptOutcome(.dead(reason: "channel \(config.name): from is not an email address"))
        }
        let request = request(for: delivery, now: now)
        guard let mail = request.mail, !mail.recipients.isEmpty else {
            return AttemptOutcome(.dead(reason: "no recipients: every `to` of channel \(config.name) rendered empty or was not an email address"))
        }
        do {
            let reply = try await transport.send(request)
            return AttemptOutcome(.delivered, httpStatus: reply.status, answer: "\(reply.status) message accepted")
        } catch {
            return Self.classify(error)
        }
    }

    /// RFC 5321: a 4xx reply is worth another try, a 5xx is not. Authentication refused and a
    /// server without the required STARTTLS are said plainly; network trouble retries.
    public static func classify(_ error: TransportError) -> AttemptOutcome {
        switch error {
        case .smtpRefused(let reply, let curlCode, let message):
            if curlCode == 67 || reply == 535 || reply == 534 {
                return AttemptOutcome(.dead(reason: "SMTP authentication failed: the server refused the username or password (\(reply))"),
                                      httpStatus: reply, answer: message)
            }
            if reply == 530 {
                return AttemptOutcome(.dead(reason: "SMTP \(reply): the server requires authentication (or STARTTLS) first"),
                                      httpStatus: reply, answer: message)
            }
            if (400..<500).contains(reply) {
                return AttemptOutcome(.retry(reason: "SMTP \(reply) (temporary; curl: \(message))", retryAfter: nil), httpStatus: reply, answer: message)
            }
            return AttemptOutcome(.dead(reason: "SMTP \(reply): the server refused the message (curl: \(message))"), httpStatus: reply, answer: message)
        case .other(let code, let message) where code == 64:
            return AttemptOutcome(.dead(reason: "the SMTP server does not offer STARTTLS, which this channel requires (use smtps://, or starttls: off to allow plain text) (curl: \(message))"))
        case .other(let code, let message) where code == 67:
            return AttemptOutcome(.dead(reason: "SMTP authentication failed (curl: \(message))"))
        case .invalidURL:
            return AttemptOutcome(.dead(reason: error.description))
        case .invalidRequest:
            return AttemptOutcome(.dead(reason: error.description))
        default:
            return AttemptOutcome(.retry(reason: error.description, retryAfter: nil))
        }
    }

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
    static func foldList(_ items: [String], headerName: String) -> String {
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
    static func rfc5322Date(_ date: Date) -> String {
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
