import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

/// `type: email`: SMTP through libcurl. `smtp://` requires STARTTLS unless `starttls: off`;
/// `smtps://` is TLS from the first byte. AUTH with `username` and `password` when the server
/// offers it. Each message is multipart/alternative, plain text then HTML, with Date,
/// Message-ID (stable across retries), From, To and an encoded Subject. A delivery of
/// `job.results_ready` on a channel with `attach: results` carries the exported list as a
/// base64 attachment, read from the file as it is sent.
public struct EmailChannel: DeliveryChannel {
    public let config: ChannelConfig
    let transport: any Transport

    public init(config: ChannelConfig, transport: any Transport) {
        self.config = config
        self.transport = transport
    }

    /// The mail for one attempt. Recipients that are not RFC 5322 addresses are left out (the
    /// renderer already dropped and reported them; this is the last line of defence for what
    /// reaches `RCPT TO` and the headers).
    public func request(for delivery: Delivery, now: Date) -> MailRequest {
        let m = delivery.message
        let listed = (m.to?.isEmpty == false ? m.to : nil) ?? config.to.filter { !$0.contains("{{") }
        let recipients = listed.compactMap(EmailAddress.init)
        let from = config.from.flatMap(EmailAddress.init) ?? EmailAddress("tamwatch@localhost")
        let headers = [
            HTTPHeader("Date", MailHeader.rfc5322Date(now)),
            HTTPHeader("Message-ID", "<\(delivery.id)@tamwatch>"),
            HTTPHeader("From", from?.description ?? "tamwatch@localhost"),
            HTTPHeader("To", MailHeader.foldList(recipients.map(\.description), headerName: "To")),
            HTTPHeader(
                "Subject",
                MailHeader.encodedWord(m.subject ?? "TAM build \(delivery.jobId.prefix(8)): \(delivery.eventType.rawValue)")),
        ]
        var mail = MailMessage(
            from: from?.address ?? "tamwatch@localhost", recipients: recipients.map(\.address), headers: headers,
            text: m.body, html: m.html, username: config.username, password: config.password,
            requireTLS: config.startTLS)
        if let path = m.attachment {
            if FileManager.default.isReadableFile(atPath: path) {
                let name = URL(fileURLWithPath: path).lastPathComponent
                let type = name.hasSuffix(".csv") ? "text/csv; charset=utf-8" : "application/x-ndjson"
                mail.attachment = MailMessage.Attachment(path: path, filename: name, contentType: type)
            } else {
                // The file went away after it was exported: the news still goes, and says so.
                mail.text += "\nThe list could not be attached: \(path) is gone or cannot be read.\n"
            }
        }
        return MailRequest(
            url: config.url, message: mail, connectTimeout: min(.seconds(10), config.effectiveTimeout),
            timeout: config.effectiveTimeout, caFile: config.caFile)
    }

    public func send(_ delivery: Delivery, now: Date) async -> AttemptOutcome {
        if let from = config.from, EmailAddress(from) == nil {
            return AttemptOutcome(.dead(reason: "channel \(config.name): from is not an email address"))
        }
        let request = request(for: delivery, now: now)
        guard !request.message.recipients.isEmpty else {
            return AttemptOutcome(
                .dead(reason: "no recipients: every `to` of channel \(config.name) rendered empty or was not an email address"))
        }
        do {
            let reply = try await transport.send(request)
            return AttemptOutcome(.delivered, httpStatus: reply.reply, answer: "\(reply.reply) message accepted")
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
                return AttemptOutcome(
                    .dead(reason: "SMTP authentication failed: the server refused the username or password (\(reply))"),
                    httpStatus: reply, answer: message)
            }
            if reply == 530 {
                return AttemptOutcome(
                    .dead(reason: "SMTP \(reply): the server requires authentication (or STARTTLS) first"),
                    httpStatus: reply, answer: message)
            }
            if (400..<500).contains(reply) {
                return AttemptOutcome(
                    .retry(reason: "SMTP \(reply) (temporary; curl: \(message))", retryAfter: nil), httpStatus: reply, answer: message)
            }
            return AttemptOutcome(
                .dead(reason: "SMTP \(reply): the server refused the message (curl: \(message))"), httpStatus: reply, answer: message)
        case .other(let code, let message) where code == 64:
            return AttemptOutcome(
                .dead(
                    reason:
                        "the SMTP server does not offer STARTTLS, which this channel requires (use smtps://, or starttls: off to allow plain text) (curl: \(message))"
                ))
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
}
