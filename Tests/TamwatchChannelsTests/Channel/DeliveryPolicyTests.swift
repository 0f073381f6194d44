import Testing

@testable import TamwatchChannels
@testable import TamwatchConfig
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchModel

@Suite("Delivery policy: status classes and retry schedule", .timeLimit(.minutes(5)))
struct DeliveryPolicyTests {
    let classifier = HTTPStatusClassifier()

    func outcome(_ status: Int, _ headers: [HTTPHeader] = []) -> DeliveryOutcome {
        classifier.classify(HTTPResponse(status: status, headers: headers))
    }

    @Test("2xx delivered; 408, 425, 429, 5xx and 3xx retried; 410 disables; other 4xx dead")
    func classes() {
        for s in [200, 201, 202, 204] { #expect(outcome(s) == .delivered) }
        for s in [408, 425, 429, 500, 502, 503, 504, 301, 302, 307] {
            guard case .retry = outcome(s) else { Issue.record("HTTP \(s) should retry"); continue }
        }
        guard case .disableChannel = outcome(410) else { Issue.record("410 should disable"); return }
        for s in [400, 401, 403, 404, 413, 422] {
            guard case .dead = outcome(s) else { Issue.record("HTTP \(s) should be dead"); continue }
        }
        guard case .retry = HTTPStatusClassifier(retryable4xx: [404]).classify(HTTPResponse(status: 404)) else {
            Issue.record("a configured 4xx should retry")
            return
        }
    }

    @Test("Retry-After travels with the retry")
    func retryAfter() {
        #expect(outcome(429, [HTTPHeader("Retry-After", "30")]) == .retry(reason: "HTTP 429", retryAfter: .seconds(30)))
        #expect(outcome(503, [HTTPHeader("Retry-After", "7")]) == .retry(reason: "HTTP 503", retryAfter: .seconds(7)))
    }

    @Test("messages: a 3xx says to fix the URL; libcurl's words come in parentheses, never glued to tamwatch's")
    func messages() {
        #expect(outcome(301) == .retry(reason: "HTTP 301: redirects are not followed: fix the URL", retryAfter: nil))
        let curl = "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server"
        #expect(TransportError.couldNotConnect(curl).description == "could not connect (curl: \(curl))")
        #expect(TransportError.timedOut("Operation timed out").description == "timed out (curl: Operation timed out)")
        #expect(
            TransportError.smtpRefused(reply: 550, curlCode: 55, message: "RCPT failed").description
                == "the SMTP server answered 550 (curl: RCPT failed)")
        #expect(
            EmailChannel.classify(.smtpRefused(reply: 451, curlCode: 55, message: "RCPT failed")).outcome
                == .retry(reason: "SMTP 451 (temporary; curl: RCPT failed)", retryAfter: nil))
    }

    @Test("no response retries; an impossible URL is dead")
    func transportErrors() {
        guard case .retry = classifier.classify(.timedOut("x")), case .retry = classifier.classify(.couldNotConnect("x")),
            case .retry = classifier.classify(.connectionLost("x")), case .dead = classifier.classify(.invalidURL("x"))
        else {
            Issue.record("wrong class for a transport error")
            return
        }
    }

    @Test("the default webhook schedule, ±20 % jitter, Retry-After as a floor, then dead")
    func schedule() {
        let s = RetrySchedule.webhookDefault
        #expect(s.delays.map(\.seconds) == [5, 300, 1800, 7200, 18000, 36000, 36000])
        #expect(s.delay(afterFailedAttempts: 1, retryAfter: nil, draw: 0.5) == .seconds(5))
        #expect(s.delay(afterFailedAttempts: 1, retryAfter: nil, draw: 0) == .seconds(4))
        #expect(s.delay(afterFailedAttempts: 2, retryAfter: nil, draw: 1) == .seconds(360))
        #expect(s.delay(afterFailedAttempts: 1, retryAfter: .seconds(60), draw: 1) == .seconds(60))
        #expect(s.delay(afterFailedAttempts: 7, retryAfter: nil, draw: 0.5) == .seconds(36000))
        #expect(s.delay(afterFailedAttempts: 8, retryAfter: nil, draw: 0.5) == nil)
        #expect(s.delay(afterFailedAttempts: 0, retryAfter: nil, draw: 0.5) == nil)
    }
}
