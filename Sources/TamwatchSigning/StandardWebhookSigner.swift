import Crypto
import Foundation
import TamwatchModel

/// Signs webhook deliveries the Standard Webhooks way: `webhook-signature` is `v1,` + base64 of
/// HMAC-SHA256 over `id.timestamp.body`, keyed by the base64-decoded secret after `whsec_`.
/// Several secrets (during a rotation) give several signatures, separated by one space.
public struct StandardWebhookSigner: Sendable {
    private let keys: [SymmetricKey]

    public typealias SecretError = WebhookSecret.Error

    /// Decodes `whsec_...` secrets; the error never repeats the secret itself.
    public init(secrets: [String]) throws(SecretError) {
        keys = try secrets.map { secret throws(SecretError) in SymmetricKey(data: try Self.key(secret)) }
    }

    public static func key(_ secret: String) throws(SecretError) -> [UInt8] {
        try WebhookSecret.key(secret)
    }

    /// The `webhook-signature` value for these exact body bytes.
    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        let message = Array("\(id).\(timestamp).".utf8) + body
        return keys.map { "v1," + Data(HMAC<SHA256>.authenticationCode(for: message, using: $0)).base64EncodedString() }
            .joined(separator: " ")
    }

    /// The three Standard Webhooks headers for one attempt.
    public func headers(id: String, timestamp: Int, body: [UInt8]) -> [HTTPHeader] {
        [
            HTTPHeader("webhook-id", id), HTTPHeader("webhook-timestamp", String(timestamp)),
            HTTPHeader("webhook-signature", signature(id: id, timestamp: timestamp, body: body)),
        ]
    }
}
