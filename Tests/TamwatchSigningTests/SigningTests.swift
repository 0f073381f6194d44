import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchSigning

@Suite("Signing", .timeLimit(.minutes(5)))
struct SigningTests {
    @Test("the Standard Webhooks reference vector")
    func referenceVector() throws {
        let signer = try StandardWebhookSigner(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let sig = signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("rotation: one signature per secret, separated by exactly one space")
    func rotation() throws {
        let old = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let new = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let both = try StandardWebhookSigner(secrets: [new, old]).signature(id: "evt_1", timestamp: 1, body: Array("{}".utf8))
        let parts = both.split(separator: " ", omittingEmptySubsequences: false)
        #expect(parts.count == 2 && parts.allSatisfy { $0.hasPrefix("v1,") })
        #expect(
            String(parts[1]) == (try StandardWebhookSigner(secrets: [old])).signature(id: "evt_1", timestamp: 1, body: Array("{}".utf8)))
    }

    @Test("a generated secret (tamwatch secret) is whsec_ and 32 bytes, signs, and is new each time")
    func generated() throws {
        let secrets = (0..<3).map { _ in WebhookSecret.generate() }
        for secret in secrets {
            #expect(try WebhookSecret.key(secret).count == 32)
            _ = try StandardWebhookSigner(secrets: [secret])
        }
        #expect(Set(secrets).count == 3)
    }

    @Test("bad secrets are refused without echoing them")
    func badSecrets() {
        #expect(throws: StandardWebhookSigner.SecretError.missingPrefix) {
            try StandardWebhookSigner(secrets: ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        }
        #expect(throws: StandardWebhookSigner.SecretError.notBase64) { try StandardWebhookSigner(secrets: ["whsec_!!!not base64!!!"]) }
        #expect(throws: StandardWebhookSigner.SecretError.tooShort(bytes: 3)) { try StandardWebhookSigner(secrets: ["whsec_YWJj"]) }
        #expect(!StandardWebhookSigner.SecretError.notBase64.description.contains("!!!"))
    }

    @Test("the verifier accepts a genuine message under any rotated secret and refuses a changed body, another secret, a stale time")
    func verifier() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let other = "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let headers = try StandardWebhookSigner(secrets: [secret]).headers(id: "msg_1", timestamp: 1_800_000_000, body: body)
        let h = Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let at = Date(timeIntervalSince1970: 1_800_000_010)
        #expect(try StandardWebhookVerifier(secrets: [other, secret]).verify(headers: { h[$0] }, body: body, now: at) == "msg_1")
        #expect(throws: StandardWebhookVerifier.Failure.noMatchingSignature) {
            try StandardWebhookVerifier(secrets: [secret]).verify(headers: { h[$0] }, body: body + [0x20], now: at)
        }
        #expect(throws: StandardWebhookVerifier.Failure.noMatchingSignature) {
            try StandardWebhookVerifier(secrets: [other]).verify(headers: { h[$0] }, body: body, now: at)
        }
        #expect(throws: StandardWebhookVerifier.Failure.tooOld) {
            try StandardWebhookVerifier(secrets: [secret]).verify(headers: { h[$0] }, body: body, now: at.addingTimeInterval(3600))
        }
    }
}
