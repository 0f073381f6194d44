import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TamwatchHTTPServer
import TamwatchSigning

/// A local webhook receiver: checks Standard Webhooks signatures when given a secret, answers
/// 204 to good deliveries and 401 to bad signatures, and reports each arrival. `demo` and
/// `tamwatch receive` use it; so do the benchmarks (keep-alive HTTP/1.1).
public struct WebhookReceiver: CallbackServer {
    public let host: String
    public let port: Int
    let verifier: StandardWebhookVerifier?
    public let logger: Logger
    let onReceive: @Sendable (ReceivedWebhook) async -> Void

    public init(
        host: String = "127.0.0.1", port: Int = 0, secrets: [String] = [], logger: Logger = Logger(label: "tamwatch.receiver"),
        onReceive: @escaping @Sendable (ReceivedWebhook) async -> Void
    ) throws(StandardWebhookSigner.SecretError) {
        self.host = host
        self.port = port
        verifier = secrets.isEmpty ? nil : try StandardWebhookVerifier(secrets: secrets)
        self.logger = logger
        self.onReceive = onReceive
    }

    public var serverName: String { "the receiver" }

    public func responder() -> CallbackResponder<BasicRequestContext> {
        let verifier = self.verifier
        let onReceive = self.onReceive
        let seen = Mutex(Set<String>())
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let buffer = try await request.collectBody(upTo: 4 << 20)
            let body = Array(buffer.readableBytesView)
            let fields = request.headers
            let header: (String) -> String? = { name in HTTPField.Name(name).flatMap { fields[$0] } }
            let id = header("webhook-id")
            var verified: Bool?
            var failure: String?
            if let verifier {
                do throws(StandardWebhookVerifier.Failure) {
                    _ = try verifier.verify(headers: header, body: body, now: Date())
                    verified = true
                } catch {
                    verified = false
                    failure = error.description
                }
            }
            let duplicate = id.map { id in seen.withLock { !$0.insert(id).inserted } } ?? false
            await onReceive(
                ReceivedWebhook(
                    id: id, path: request.uri.path, body: body, verified: verified, failure: failure,
                    duplicate: duplicate, receivedAt: Date()))
            if verified == false {
                return Response(status: .unauthorized, body: ResponseBody(byteBuffer: ByteBuffer(string: failure ?? "bad signature")))
            }
            return Response(status: .noContent)
        }
        return responder
    }
}
