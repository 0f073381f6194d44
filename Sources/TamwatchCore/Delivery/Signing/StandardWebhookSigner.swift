import Foundation

/// Signs webhook deliveries the Standard Webhooks way: `webhook-signature` is `v1,` + base64 of
/// HMAC-SHA256 over `id.timestamp.body`, keyed by the base64-decoded secret after `whsec_`.
/// Several secrets (during a rotation) give several signatures, separated by one space.
public struct StandardWebhookSigner: Sendable {
    private let keys: [[UInt8]]

    public enum SecretError: Error, Equatable, CustomStringConvertible {
        case missingPrefix, notBase64, tooShort(bytes: Int)
        public var description: String {
            switch self {
            case .missingPrefix: return "a signing secret starts with whsec_"
            case .notBase64: return "after whsec_, a signing secret is base64"
            case .tooShort(let n): return "a signing secret holds at least 24 bytes (this one holds \(n))"
            }
        }
    }

    /// Decodes `whsec_...` secrets; the error never repeats the secret itself.
    public init(secrets: [String]) throws(SecretError) {
        keys = try secrets.map { secret throws(SecretError) in try Self.key(secret) }
    }

    public static func key(_ secret: String) throws(SecretError) -> [UInt8] {
        guard secret.hasPrefix("whsec_") else { throw .missingPrefix }
        var encoded = String(secret.dropFirst("whsec_".count))
        while encoded.count % 4 != 0 { encoded += "=" }
        guard let data = Data(base64Encoded: encoded) else { throw .notBase64 }
        guard data.count >= 24 else { throw .tooShort(bytes: data.count) }
        return [UInt8](data)
    }

    /// The `webhook-signature` value for these exact body bytes.
    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        let message = Array("\(id).\(timestamp).".utf8) + body
        return keys.map { "v1," + Data(HMACSHA256.mac(key: $0, message: message)).base64EncodedString() }
            .joined(separator: " ")
    }

    /// The three Standard Webhooks headers for one attempt.
    public func headers(id: String, timestamp: Int, body: [UInt8]) -> [HTTPHeader] {
        [HTTPHeader("webhook-id", id), HTTPHeader("webhook-timestamp", String(timestamp)),
         HTTPHeader("webhook-signature", signature(id: id, timestamp: timestamp, body: body))]
    }
}
