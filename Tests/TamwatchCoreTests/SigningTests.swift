import Foundation
import Testing
@testable import TamwatchCore

@Suite("Signing")
struct SigningTests {
    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("SHA-256 against the NIST vectors, across block boundaries")
    func sha256() {
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var h = SHA256()
        for _ in 0..<1000 { h.update([UInt8](repeating: 0x61, count: 1000)) }  // one million 'a', fed in pieces
        #expect(hex(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("HMAC-SHA256 against RFC 4231 test cases 1, 2 and 6 (a key longer than a block)")
    func hmac() {
        #expect(hex(HMACSHA256.mac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(HMACSHA256.mac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hex(HMACSHA256.mac(key: [UInt8](repeating: 0xaa, count: 131),
                                   message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

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
        #expect(String(parts[1]) == (try StandardWebhookSigner(secrets: [old])).signature(id: "evt_1", timestamp: 1, body: Array("{}".utf8)))
    }

    @Test("bad secrets are refused without echoing them")
    func badSecrets() {
        #expect(throws: StandardWebhookSigner.SecretError.missingPrefix) { try StandardWebhookSigner(secrets: ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]) }
        #expect(throws: StandardWebhookSigner.SecretError.notBase64) { try StandardWebhookSigner(secrets: ["whsec_!!!not base64!!!"]) }
        #expect(throws: StandardWebhookSigner.SecretError.tooShort(bytes: 3)) { try StandardWebhookSigner(secrets: ["whsec_YWJj"]) }
        #expect(!StandardWebhookSigner.SecretError.notBase64.description.contains("!!!"))
    }
}
