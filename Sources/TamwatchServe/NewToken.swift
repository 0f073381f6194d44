import Foundation

/// A new `serve.tokens` secret: 32 random bytes, base64url, with a `tw_` prefix that secret
/// scanners can recognise, and its SHA-256 (what the config may hold instead).
public struct NewToken: Sendable {
    public let token: String
    public let sha256: String

    public init() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        token = "tw_" + Auth.base64url(Data(bytes))
        sha256 = Auth.hex(Auth.digest(token))
    }

    /// The SHA-256 of a token, as `serve.tokens[].sha256` holds it.
    public static func sha256(of token: String) -> String { Auth.hex(Auth.digest(token)) }
}
