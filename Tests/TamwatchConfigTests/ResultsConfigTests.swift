import Foundation
import Testing

@testable import TamwatchConfig
@testable import TamwatchModel

@Suite("Configuration: results and the credit guard", .timeLimit(.minutes(5)))
struct ResultsConfigTests {
    let base = ConfigTests()
    func parse(_ text: String) throws(ConfigErrors) -> TamwatchConfig { try base.parse(text) }
    func error(_ text: String) -> ConfigError? { base.error(text) }

    @Test("results.dir (against the config's folder) and format; guard; email attach and max_attachment; bad values name line and key")
    func resultsAndGuard() throws {
        let c = try parse(
            """
            results: { dir: lists, format: ndjson }
            guard: { max_credits: 5000, warn_at: 0.9, action: cancel, min_balance: 1000 }
            channels:
              owner: { type: email, url: "smtp://127.0.0.1:25", from: a@example.com, to: [b@example.com], attach: results, max_attachment: 2MB }
            """)
        #expect(c.results.dir == "/etc/tw/lists" && c.results.format == "ndjson")
        #expect(c.guard.budget() == CreditBudget(maxCredits: 5000, warnAt: 0.9, action: .cancel))
        #expect(c.guard.budget(maxCredits: 100, action: .notify) == CreditBudget(maxCredits: 100, warnAt: 0.9, action: .notify))
        #expect(c.guard.minBalance == 1000)
        #expect(c.channels[0].attachResults && c.channels[0].maxAttachment == 2 << 20)
        let defaults = try parse("api: { key: k }\n")
        #expect(defaults.results.dir == nil && defaults.guard.budget() == nil && defaults.guard.minBalance == nil)
        #expect(defaults.guard.budget(maxCredits: 10) == CreditBudget(maxCredits: 10, warnAt: 0.8, action: .pause))

        for (text, line, key, words) in [
            ("results:\n  format: xlsx\n", 2, "results.format", "not csv or ndjson"),
            ("guard:\n  max_credits: 0\n", 2, "guard.max_credits", "positive whole number"),
            ("guard:\n  warn_at: 1.5\n", 2, "guard.warn_at", "at most 1"),
            ("guard:\n  action: stop\n", 2, "guard.action", "pause, cancel or notify"),
            ("guard:\n  maxcredits: 5\n", 2, "guard.maxcredits", "unknown key"),
            (
                "channels:\n  o: { type: email, url: \"smtp://h:25\", from: a@example.com, to: [b@example.com], attach: pdf }\n", 2,
                "channels.o.attach", "results or none"
            ),
            (
                "channels:\n  o: { type: email, url: \"smtp://h:25\", from: a@example.com, to: [b@example.com], max_attachment: big }\n",
                2, "channels.o.max_attachment", "not a size"
            ),
            ("channels:\n  w: { type: webhook, url: \"http://h/\", attach: results }\n", 2, "channels.w.attach", "unknown key"),
        ] {
            let bad = try #require(error(text), "\(text)")
            #expect(bad.line == line && bad.key == key && bad.message.contains(words), "\(bad)")
        }
    }
}
