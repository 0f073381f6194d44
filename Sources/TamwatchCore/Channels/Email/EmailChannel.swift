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

    public func request(for delivery: Delivery, now: Date) -> HTTPRequest {
        let m = delivery.message
        let recipients = (m.to?.isEmpty == false ? m.to : nil) ?? config.to.filter { !$0.contains("{{") }
        let from = config.from ?? "tamwatch@localhost"
        let headers = [
            HTTPHeader("Date", Self.rfc5322Date(now)),
            HTTPHeader("Message-ID", "<\(delivery.id)@tamwatch>"),
            HTTPHeader("From", from),
            HTTPHeader("To", recipients.joined(separator: ", ")),
            HTTPHeader("Subject", Self.encodedWord(m.subject ?? "TAM build \(EventText.shortID(delivery.jobId)): \(delivery.eventType.rawValue)")),
        ]
        let mail = MailTransfer(from: Self.address(from), recipients: recipients.map(Self.address), headers: headers,
                                text: m.body, html: m.html, username: config.username, password: config.password,
                                requireTLS: config.startTLS)
        var request = config.request(method: "SMTP")
        request.mail = mail
        return request
    }

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        let request = request(for: delivery, now: now)
        guard let mail = request.mail, !mail.recipients.isEmpty else {
            return AttemptOutcome(.dead(reason: "no recipients: every `to` of channel \(config.name) rendered empty"))
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
                return AttemptOutcome(.retry(reason: "SMTP \(reply) (temporary): \(message)", retryAfter: nil), httpStatus: reply, answer: message)
            }
            return AttemptOutcome(.dead(reason: "SMTP \(reply): \(message)"), httpStatus: reply, answer: message)
        case .other(let code, let message) where code == 64:
            return AttemptOutcome(.dead(reason: "the SMTP server does not offer STARTTLS, which this channel requires (use smtps://, or starttls: off to allow plain text): \(message)"))
        case .other(let code, let message) where code == 67:
            return AttemptOutcome(.dead(reason: "SMTP authentication failed: \(message)"))
        case .invalidURL(let why):
            return AttemptOutcome(.dead(reason: "invalid URL: \(why)"))
        default:
            return AttemptOutcome(.retry(reason: error.description, retryAfter: nil))
        }
    }

    /// `Ana <ana@example.com>` → `ana@example.com`, for the envelope.
    static func address(_ text: String) -> String {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else {
            return text.trimmingCharacters(in: .whitespaces)
        }
        return String(text[text.index(after: open)..<close])
    }

    /// RFC 2047: ASCII as it is; anything else as UTF-8 base64 encoded words of at most 75
    /// characters, cut on character boundaries.
    public static func encodedWord(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard clean.unicodeScalars.contains(where: { !$0.isASCII }) else { return clean }
        var words: [String] = []
        var chunk = ""
        for ch in clean {
            if (chunk + String(ch)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(ch)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0.utf8).base64EncodedString() + "?=" }.joined(separator: " ")
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
