import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

@Suite("Email addresses, headers and injection", .timeLimit(.minutes(5)))
struct EmailTests {
    @Test(
        "RFC 5322 mailboxes are accepted",
        arguments: [
            "ana@example.com", "Ana Lima <ana@example.com>", "\"Lima, Ana\" <ana@example.com>", "a.b+tag@sub.example.co.uk",
            "o'brien@example.com", "x@[127.0.0.1]", "\"quoted local\"@example.com", "tamwatch <tam@example.com>",
        ])
    func valid(_ text: String) {
        #expect(EmailAddress(text) != nil, "\(text)")
    }

    @Test(
        "anything that could add a recipient or a command is refused",
        arguments: [
            "a@x.com>\r\nRCPT TO:<victim@y>", "a@x.com\nBcc: victim@y", "ana@example.com, victim@evil.example", "a@x.com>",
            "<a@x.com", "Ana <a@x.com> <b@y.com>", "@example.com", "ana@", "ana", "an a@example.com", "ana@exa mple.com",
            "ana..lima@example.com", ".ana@example.com", "ana@-example.com", "ana@example..com", "\"a\"b\"@example.com", "",
            "ana@example.com\u{0}", "A\"na <ana@example.com>",
        ])
    func invalid(_ text: String) {
        #expect(EmailAddress(text) == nil, "\(text.debugDescription)")
    }

    @Test("a rendered recipient that is not an address is left out and reported; the others stay")
    func renderedRecipients() throws {
        var channel = ChannelConfig(name: "owner", type: .email, url: "smtp://127.0.0.1:25")
        channel.to = ["{{labels.owner}}", "ops@example.com"]
        let (compiled, errors) = Renderer.compileRecipients([channel], file: "c.yaml")
        #expect(errors.isEmpty)
        let event = sampleEvent(.terminal, labels: ["owner": "a@x.com>\r\nRCPT TO:<victim@y>"])
        let out = Renderer(templates: TemplateSet(), recipients: compiled).render(
            event, channel: channel, rule: "r", template: nil, folded: 0)
        #expect(out.message.to == ["ops@example.com"])
        #expect(out.error == #"recipient 'a@x.com>\r\nRCPT TO:<victim@y>' is not an email address; left out"#)
    }

    @Test("the mail never carries a recipient or header that is not one line; the transport refuses one that would")
    func transportRefuses() async throws {
        var channel = ChannelConfig(name: "owner", type: .email, url: "smtp://127.0.0.1:1")
        channel.from = "tamwatch <tam@example.com>"
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let email = EmailChannel(config: channel, transport: transport)
        let message = RenderedMessage(
            body: "hi", contentType: "text/plain", subject: "s", to: ["a@x.com>\r\nRCPT TO:<v@y>", "ok@example.com"])
        let delivery = Delivery(
            id: "dlv_1", eventId: "evt_1", jobId: "job", eventType: .terminal, channel: "owner", rule: "r",
            message: message, folded: 0, createdAt: Date())
        let request = email.request(for: delivery, now: Date())
        #expect(request.message.recipients == ["ok@example.com"])
        #expect(request.message.headers.first { $0.name == "To" }?.value == "ok@example.com")

        for bad in [
            HTTPRequest(url: "http://127.0.0.1:1/", headers: [HTTPHeader("x-a", "1\r\nInjected: yes")]),
            HTTPRequest(url: "http://127.0.0.1:1/\r\nHost: evil"),
            HTTPRequest(url: "http://127.0.0.1:1/", headers: [HTTPHeader("bad name", "1")]),
        ] {
            do {
                _ = try await transport.send(bad)
                Issue.record("sent \(bad.url)")
            } catch {
                guard case .invalidRequest = error else { Issue.record("expected invalidRequest, got \(error)"); continue }
            }
        }
        var mail = request
        mail.message.recipients = ["a@x.com>\r\nRCPT TO:<v@y>"]
        await #expect(throws: TransportError.self) { try await transport.send(mail) }
    }

    @Test("subjects: ASCII folded at spaces within 78 characters a line; other text as encoded words, one per line")
    func subjectFolding() {
        let words = (1...40).map { "word\($0)" }.joined(separator: " ")
        let folded = MailHeader.encodedWord(words)
        let lines = ("Subject: " + folded).components(separatedBy: "\r\n")
        #expect(lines.count > 1 && lines.allSatisfy { $0.count <= 78 }, "\(lines)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(folded.replacingOccurrences(of: "\r\n", with: "") == words, "unfolding gives the subject back")

        let utf8 = MailHeader.encodedWord(String(repeating: "Größe ✅ ", count: 20))
        let utf8Lines = ("Subject: " + utf8).components(separatedBy: "\r\n")
        #expect(utf8Lines.count > 1 && utf8Lines.allSatisfy { $0.count <= 78 }, "\(utf8Lines)")
        #expect(MailHeader.encodedWord("a\r\nBcc: victim@y") == "a  Bcc: victim@y", "a line break in a value is a space, never a header")
        let long = String(repeating: "x", count: 200)
        #expect(
            ("Subject: " + MailHeader.encodedWord(long)).components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 },
            "a word too long to fold is encoded, and then folds")
    }
}
