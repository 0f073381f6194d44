import Foundation

/// Sends HTTP requests. The real one is `CurlTransport`; every outbound request goes through it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
