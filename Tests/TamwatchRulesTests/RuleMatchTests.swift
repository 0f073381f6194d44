import Foundation
import Testing

@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchRules

@Suite("Rule matching", .timeLimit(.minutes(5)))
struct RuleMatchTests {
    let terminal = Event(
        id: "evt_1", type: .terminal, jobId: "j", sequence: 9, occurredAt: Date(timeIntervalSince1970: 0),
        data: .object([("status", .string("completed")), ("error_message", .null)]),
        job: .object([
            ("status", .string("completed")), ("processed", .int(21815)), ("degraded", .bool(false)),
            ("manifest", .object([("unique_count", .int(21815)), ("credits_consumed", .double(37.5))])),
        ]),
        labels: ["team": "sales", "owner": "ana@example.com"])

    func rule(on: [String], _ conditions: [String]) throws -> RuleConfig {
        RuleConfig(name: "r", on: on, matchers: try conditions.map { try Matcher.parse($0).get() }, to: [])
    }

    @Test("on: exact types, job.*, watch.* and *")
    func onPatterns() throws {
        #expect(try rule(on: ["job.terminal"], []).matches(terminal))
        #expect(try rule(on: ["job.*"], []).matches(terminal))
        #expect(try rule(on: ["*"], []).matches(terminal))
        #expect(try !rule(on: ["watch.*"], []).matches(terminal))
        #expect(try !rule(on: ["job.band_completed", "job.progress"], []).matches(terminal))
    }

    @Test(
        "where conditions, numbers compared as numbers",
        arguments: [
            ("data.status = completed", true), ("data.status != completed", false),
            ("job.manifest.unique_count >= 1000", true), ("job.manifest.unique_count > 21815", false),
            ("job.manifest.unique_count = 21815.0", true), ("job.manifest.credits_consumed < 40", true),
            ("job.manifest.credits_consumed <= 37.5", true), (#"labels.team =~ "sales|ops""#, true),
            ("labels.team =~ sal", false), ("labels.team !~ ops", true), ("job.degraded = false", true),
            ("data.error_message = ''", true), ("data.error_message != x", true), ("labels.missing > 0", false),
            ("labels.missing != anything", true), ("type = job.terminal", true), ("sequence >= 9", true),
        ])
    func conditions(_ text: String, _ expected: Bool) throws {
        #expect(try rule(on: ["*"], [text]).matches(terminal) == expected, "\(text)")
    }

    @Test("every condition must hold")
    func all() throws {
        #expect(try rule(on: ["job.terminal"], ["data.status = completed", "job.manifest.unique_count >= 1000"]).matches(terminal))
        #expect(try !rule(on: ["job.terminal"], ["data.status = completed", "job.manifest.unique_count >= 100000"]).matches(terminal))
    }

    @Test("a regular expression that backtracks past its time limit is stopped and reported, not a silent non-match")
    func regexTimeLimit() throws {
        var event = terminal
        event.labels["team"] = String(repeating: "a", count: 40) + "!"
        for condition in [#"labels.team =~ "(a+)+""#, #"labels.team !~ "(a+)+""#] {
            let m = try Matcher.parse(condition).get()
            // (40 a's and a "!" take (a+)+ about 2^40 steps: a verdict at all means it was stopped.)
            #expect(m.verdict(on: event.json) == .timedOut, "\(condition)")
        }
        let engine = RuleEngine(
            rules: [try rule(on: ["*"], [#"labels.team =~ "(a+)+""#])].map {
                var r = $0; r.to = ["c"]; return r
            },
            channels: [ChannelConfig(name: "c", type: .webhook, url: "http://127.0.0.1:1/")],
            renderer: Renderer(templates: TemplateSet()))
        let out = engine.route([event], throttle: ThrottleState())
        #expect(out.deliveries.isEmpty)
        #expect(out.errors.count == 1 && out.errors[0].contains("rule r: where 'labels.team =~ (a+)+'") && out.errors[0].contains("evt_1"))
        // An ordinary value is matched as before.
        #expect(try Matcher.parse(#"labels.team =~ "(a+)+""#).get().verdict(on: terminal.json) == .fails)
        #expect(try Matcher.parse(#"labels.team =~ "s(a|l)+es""#).get().verdict(on: terminal.json) == .holds)
    }
}
