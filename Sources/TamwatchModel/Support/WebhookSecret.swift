import Foundation

/// A Standard Webhooks signing secret, `whsec_` and base64 of at least 24 bytes; read when the
/// configuration is checked and when a signer is made.
public enum WebhookSecret {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case missingPrefix, notBase64, tooShort(bytes: Int)
        public var description: String {
            switch self {
            case .missingPrefix: return "a signing secret starts with whsec_"
            case .notBase64: return "after whsec_, a signing secret is base64"
            case .tooShort(let n): return "a signing secret holds at least 24 bytes (this one holds \(n))"
            }
        }
    }

    /// A new secret: `whsec_` and base64 of 32 bytes from the system's random source.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// The key bytes; the error never repeats the secret itself.
    public static func key(_ secret: String) throws(Error) -> [UInt8] {
        guard secret.hasPrefix("whsec_") else { throw .missingPrefix }
        var encoded = String(secret.dropFirst("whsec_".count))
        while encoded.count % 4 != 0 { encoded += "=" }
        guard let data = Data(base64Encoded: encoded) else { throw .notBase64 }
        guard data.count >= 24 else { throw .tooShort(bytes: data.count) }
        return [UInt8](data)
    }
}
