import Foundation
import TamwatchModel

/// One email for libcurl's SMTP: the envelope, the top-level headers, and the parts, sent as
/// multipart/alternative (plain text first, HTML second) with curl's MIME API; with an
/// attachment, multipart/mixed around that and the file.
public struct MailMessage: Sendable {
    /// A file sent with the message, base64-encoded, read by curl as it sends.
    public struct Attachment: Sendable, Equatable {
        public var path: String
        public var filename: String
        public var contentType: String

        public init(path: String, filename: String, contentType: String) {
            self.path = path
            self.filename = filename
            self.contentType = contentType
        }
    }

    public var from: String
    public var recipients: [String]
    /// Date, Message-ID, From, To, Subject (already encoded for non-ASCII).
    public var headers: [HTTPHeader]
    public var text: String
    public var html: String?
    public var username: String?
    public var password: String?
    /// `smtp://` only: STARTTLS is required (CURLUSESSL_ALL), or not asked for at all.
    public var requireTLS: Bool
    public var attachment: Attachment?

    public init(
        from: String, recipients: [String], headers: [HTTPHeader], text: String, html: String?,
        username: String?, password: String?, requireTLS: Bool
    ) {
        self.from = from
        self.recipients = recipients
        self.headers = headers
        self.text = text
        self.html = html
        self.username = username
        self.password = password
        self.requireTLS = requireTLS
    }
}
