import Foundation

/// One HTTP header, kept in the order it was sent or received.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }

    /// RFC 9110 `tchar`: what a header name is made of.
    public static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// One line of text: no CR, LF, NUL or other control characters (a tab is allowed).
    public static func isValidValue(_ value: String) -> Bool {
        !value.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
    }

    /// A mail header value may be folded (CRLF followed by a space or tab); no other line break.
    static func isValidMailValue(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0D {
                guard i + 2 < bytes.count, bytes[i + 1] == 0x0A, bytes[i + 2] == 0x20 || bytes[i + 2] == 0x09 else { return false }
                i += 3
                continue
            }
            if (b < 0x20 && b != 0x09) || b == 0x7F { return false }
            i += 1
        }
        return true
    }

    /// Why this header cannot be sent, or nil.
    func problem(mail: Bool) -> String? {
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else { return "header name '\(TerminalText.safe(name))' is not a token" }
        guard mail ? Self.isValidMailValue(value) : Self.isValidValue(value) else {
            return "header \(name) holds a line break or a control character"
        }
        return nil
    }
}

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

/// One email for libcurl's SMTP: the envelope, the top-level headers, and the parts, sent as
/// multipart/alternative (plain text first, HTML second) with curl's MIME API.
public struct MailTransfer: Sendable {
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

    public init(from: String, recipients: [String], headers: [HTTPHeader], text: String, html: String?,
                username: String?, password: String?, requireTLS: Bool) {
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

/// How much of a response body a transfer reads into memory; nothing past it is buffered.
public enum ResponseLimit: Sendable, Equatable {
    /// Past this many bytes the transfer fails with `.responseTooLarge` (an API answer cut
    /// short is no answer).
    case fail(atBytes: Int)
    /// The first bytes are kept and the rest discarded as it arrives (a receiver's answer is
    /// read for a log excerpt only).
    case keep(firstBytes: Int)

    /// 32 MiB: a poll page is about 40 KB.
    public static let apiDefault = 32 << 20
    /// 64 KiB of a delivery's answer.
    public static let answerDefault = 64 << 10

    public var bytes: Int {
        switch self {
        case .fail(let n), .keep(let n): return n
        }
    }
}

/// A response as received. Redirects are never followed, so a 3xx arrives here as it is.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// The body was longer than the request's `.keep` limit; the rest was discarded.
    public var truncated: Bool

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    /// The last value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Why a transfer produced no HTTP response.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case couldNotResolveHost(String)
    case couldNotConnect(String)
    case timedOut(String)
    case tls(String)
    case connectionLost(String)
    case other(code: Int, message: String)
    /// SMTP: the server's reply code ended the transfer (a refused sender or recipient, a
    /// failed AUTH, a refused message). `curlCode` says at which step.
    case smtpRefused(reply: Int, curlCode: Int, message: String)
    /// The request itself cannot be sent as it is (a header with a line break, a recipient that
    /// is not an address): it never reached the network.
    case invalidRequest(String)
    /// The answer was larger than tamwatch reads (`ResponseLimit`); the transfer was stopped.
    case responseTooLarge(String)
    case cancelled
    case shutDown

    /// tamwatch's sentence first, then libcurl's own words in parentheses: the two are never
    /// run together into one sentence.
    public var description: String {
        switch self {
        case .invalidURL(let m): return "invalid URL (\(m))"
        case .couldNotResolveHost(let m): return "could not resolve the host (curl: \(m))"
        case .couldNotConnect(let m): return "could not connect (curl: \(m))"
        case .timedOut(let m): return "timed out (curl: \(m))"
        case .tls(let m): return "TLS failed (curl: \(m))"
        case .connectionLost(let m): return "the connection was lost (curl: \(m))"
        case .other(let code, let m): return "the transfer failed (curl error \(code): \(m))"
        case .smtpRefused(let reply, _, let m): return "the SMTP server answered \(reply) (curl: \(m))"
        case .invalidRequest(let m): return "not sent: \(m)"
        case .responseTooLarge(let m): return "response too large: \(m)"
        case .cancelled: return "cancelled"
        case .shutDown: return "transport shut down"
        }
    }
}

/// Sends HTTP requests. The real one is `CurlTransport`; every outbound request goes through it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}

/// Byte counts for people: `512 bytes`, `64 KiB`, `32 MiB`.
public enum ByteCount {
    public static func format(_ n: Int) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}
