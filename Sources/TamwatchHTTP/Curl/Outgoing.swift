import Foundation
import TamwatchModel

/// What one libcurl transfer sends: an HTTP request, or a mail (`mail` set) over SMTP.
struct Outgoing: Sendable {
    var method: String
    var url: String
    var headers: [HTTPHeader]
    var body: [UInt8]?
    var connectTimeout: Duration
    var timeout: Duration
    var caFile: String?
    var mail: MailMessage?
    var responseLimit: ResponseLimit

    init(_ r: HTTPRequest) {
        method = r.method
        url = r.url
        headers = r.headers
        body = r.body
        connectTimeout = r.connectTimeout
        timeout = r.timeout
        caFile = r.caFile
        mail = nil
        responseLimit = r.responseLimit
    }

    init(_ m: MailRequest) {
        method = "SMTP"
        url = m.url
        headers = []
        body = nil
        connectTimeout = m.connectTimeout
        timeout = m.timeout
        caFile = m.caFile
        mail = m.message
        responseLimit = .keep(firstBytes: ResponseLimit.answerDefault)
    }
}

extension Outgoing {
    /// Why this request must not be sent (CR, LF or another control character where a line of
    /// the protocol is built from it), or nil.
    var problem: String? {
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            return "the URL holds a space or a control character"
        }
        if mail == nil, !method.utf8.allSatisfy(HTTPHeader.isTokenByte) { return "the method is not a token" }
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
