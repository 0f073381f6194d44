import Foundation

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
