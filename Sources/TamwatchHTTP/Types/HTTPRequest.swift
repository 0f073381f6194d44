import Foundation
import TamwatchModel

/// A request for the transport. Bodies are bytes; the transport copies them before sending.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]?
    public var connectTimeout: Duration
    public var timeout: Duration
    /// Extra CA certificates to trust (PEM file); TLS verification stays on.
    public var caFile: String?
    /// Set for `smtp://` and `smtps://` URLs: the mail to send instead of an HTTP request.
    public var mail: MailTransfer?
    /// How much of the answer's body is read into memory.
    public var responseLimit: ResponseLimit = .fail(atBytes: ResponseLimit.apiDefault)

    public init(method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
                connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(30), caFile: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caFile = caFile
    }
}

extension HTTPRequest {
    /// Why this request must not be sent (CR, LF or another control character where a line of
    /// the protocol is built from it), or nil.
    var problem: String? {
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { return "the URL holds a space or a control character" }
        if !method.utf8.allSatisfy(HTTPHeader.isTokenByte) { return "the method is not a token" }
        for header in headers { if let p = header.problem(mail: false) { return p } }
        guard let mail else { return nil }
        for header in mail.headers { if let p = header.problem(mail: true) { return p } }
        // The envelope takes bare addresses only: a display name here is something smuggled in.
        for address in [mail.from] + mail.recipients where EmailAddress(address).map({ $0.name != nil }) ?? true {
            return "'\(TerminalText.safe(address))' is not an email address"
        }
        return nil
    }
}
