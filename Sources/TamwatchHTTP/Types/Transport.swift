import Foundation

/// Sends HTTP requests and mail. The real one is `CurlTransport`; everything tamwatch sends
/// goes through it.
public protocol Transport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
    func send(_ mail: MailRequest) async throws(TransportError) -> MailReceipt
}
