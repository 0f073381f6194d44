import Foundation

/// One email for the transport to send over SMTP: the server (`smtp://`, `smtps://`), the
/// timeouts, and the message.
public struct MailRequest: Sendable {
    public var url: String
    public var message: MailMessage
    public var connectTimeout: Duration
    public var timeout: Duration
    /// Extra CA certificates to trust (PEM file); TLS verification stays on.
    public var caFile: String?

    public init(
        url: String, message: MailMessage, connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(30),
        caFile: String? = nil
    ) {
        self.url = url
        self.message = message
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caFile = caFile
    }
}
