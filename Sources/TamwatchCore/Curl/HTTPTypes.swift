import Foundation

/// One HTTP header, kept in the order it was sent or received.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
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

/// A response as received. Redirects are never followed, so a 3xx arrives here as it is.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
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
    case cancelled
    case shutDown

    public var description: String {
        switch self {
        case .invalidURL(let m): return "invalid URL: \(m)"
        case .couldNotResolveHost(let m): return "could not resolve host: \(m)"
        case .couldNotConnect(let m): return "could not connect: \(m)"
        case .timedOut(let m): return "timed out: \(m)"
        case .tls(let m): return "TLS error: \(m)"
        case .connectionLost(let m): return "connection lost: \(m)"
        case .other(let code, let m): return "transfer failed (curl \(code)): \(m)"
        case .smtpRefused(let reply, _, let m): return "the SMTP server answered \(reply): \(m)"
        case .cancelled: return "cancelled"
        case .shutDown: return "transport shut down"
        }
    }
}

/// Sends HTTP requests. The real one is `CurlTransport`; every outbound request goes through it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
