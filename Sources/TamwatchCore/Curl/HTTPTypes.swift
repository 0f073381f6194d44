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
        case .cancelled: return "cancelled"
        case .shutDown: return "transport shut down"
        }
    }
}

/// Sends HTTP requests. The real one is `CurlTransport`; every outbound request goes through it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
