import Crypto
import Foundation

/// Checks Standard Webhooks signatures as a receiver does: any `v1` signature in the header may
/// match (rotation), compared in constant time, and the timestamp must be within the tolerance.
public struct StandardWebhookVerifier: Sendable {
    let keys: [SymmetricKey]
    public var tolerance: TimeInterval

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missingHeader(String), badTimestamp, tooOld, tooNew, noMatchingSignature
        public var description: String {
            switch self {
            case .missingHeader(let h): return "missing header \(h)"
            case .badTimestamp: return "webhook-timestamp is not unix seconds"
            case .tooOld: return "timestamp too old"
            case .tooNew: return "timestamp too new"
            case .noMatchingSignature: return "no matching signature"
            }
        }
    }

    public init(secrets: [String], tolerance: TimeInterval = 300) throws(StandardWebhookSigner.SecretError) {
        keys = try secrets.map { secret throws(StandardWebhookSigner.SecretError) in
            SymmetricKey(data: try StandardWebhookSigner.key(secret))
        }
        self.tolerance = tolerance
    }

    /// Returns the `webhook-id` of a genuine message.
    public func verify(headers: (String) -> String?, body: [UInt8], now: Date) throws(Failure) -> String {
        guard let id = headers("webhook-id") else { throw .missingHeader("webhook-id") }
        guard let ts = headers("webhook-timestamp") else { throw .missingHeader("webhook-timestamp") }
        guard let signatures = headers("webhook-signature") else { throw .missingHeader("webhook-signature") }
        guard let timestamp = Int(ts) else { throw .badTimestamp }
        let age = now.timeIntervalSince1970 - Double(timestamp)
        if age > tolerance { throw .tooOld }
        if age < -tolerance { throw .tooNew }
        let message = Array("\(id).\(timestamp).".utf8) + body
        for entry in signatures.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let given = Data(base64Encoded: String(parts[1])) else { continue }
            // Compared in constant time by swift-crypto.
            if keys.contains(where: { HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: message, using: $0) }) { return id }
        }
        throw .noMatchingSignature
    }
}
