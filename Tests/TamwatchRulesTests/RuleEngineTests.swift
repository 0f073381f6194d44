import Foundation
import Testing

@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

@Suite("Templates", .timeLimit(.minutes(5)))
struct TemplateTests {
    func set(_ files: [(String, String)]) throws -> TemplateSet {
        var set = TemplateSet()
        for (key, text) in files {
            let format = TemplateFormat(rawValue: (key as NSString).pathExtension) ?? .txt
            set.add(try TemplateSet.parse(text, path: "/t/\(key)", key: key, format: format))
        }
        return set
    }

    func channel(_ type: ChannelType) -> ChannelConfig { ChannelConfig(name: "c", type: type, url: "http://127.0.0.1:1/") }

    @Test("JSON templates escape values for JSON strings; the output is compact, valid JSON")
    func jsonEscaping() throws {
        let templates = try set([
            (
                "webhook/custom.json",
                """
                {"text": "{{headline}} / {{job.progress_message}} / {{labels.owner}}",
                 "processed": {{job.processed}}, "bar": "{{progress.bar}}", "pct": {{progress.percent}},
                 "has_manifest": {{#job.manifest}}true{{/job.manifest}}{{^job.manifest}}false{{/job.manifest}}}
                """
            )
        ])
        let out = Renderer(templates: templates).render(
            sampleEvent(.bandCompleted), channel: channel(.webhook), rule: "r",
            template: "custom", folded: 0)
        #expect(out.error == nil)
        let json = try JSONValue.parse(out.message.body)
        #expect(
            json["text"]?.stringValue
                == "TAM build 8a8e8a97: band 3/6 completed · 9,120 processed / band 201-1000: \"validating\" 5000 / ana@example.com")
        #expect(json["processed"]?.intValue == 9120)
        #expect(json["bar"]?.stringValue == "▰▰▰▱▱▱")
        #expect(json["pct"]?.intValue == 50)
        #expect(json["has_manifest"]?.boolValue == false)
        #expect(!out.message.body.contains("\n"), "compact: the signed bytes are the sent bytes")
    }

    @Test("text templates escape nothing; HTML templates escape markup")
    func textAndHTML() throws {
        let templates = try set([
            ("email/default.txt", "{{job.progress_message}} <{{labels.owner}}>"),
            ("email/default.html", "<p>{{job.progress_message}}</p>"),
            ("email/default.subject.txt", "  {{summary}}\n"),
        ])
        var email = channel(.email)
        email.to = ["{{labels.owner}}", "ops@example.com", "{{labels.nobody}}"]
        let (recipients, errors) = Renderer.compileRecipients([email], file: "conf.yaml")
        #expect(errors.isEmpty)
        let out = Renderer(templates: templates, recipients: recipients).render(
            sampleEvent(.bandCompleted), channel: email, rule: "r",
            template: nil, folded: 0)
        #expect(out.message.body == "band 201-1000: \"validating\" 5000 <ana@example.com>")
        #expect(out.message.html == "<p>band 201-1000: &quot;validating&quot; 5000</p>")
        #expect(out.message.subject == "band 3/6 completed · 9,120 processed")
        #expect(out.message.to == ["ana@example.com", "ops@example.com"], "a recipient that renders empty is dropped")
    }

    @Test("the event type's template wins over default; a rule's template over both")
    func lookup() throws {
        let templates = try set([
            ("slack/default.json", #"{"text": "default"}"#),
            ("slack/job.terminal.json", #"{"text": "terminal"}"#),
            ("slack/mine.json", #"{"text": "mine"}"#),
        ])
        let r = Renderer(templates: templates)
        #expect(
            r.render(sampleEvent(.terminal), channel: channel(.slack), rule: "r", template: nil, folded: 0).message.body
                == #"{"text":"terminal"}"#)
        #expect(
            r.render(sampleEvent(.progress), channel: channel(.slack), rule: "r", template: nil, folded: 0).message.body
                == #"{"text":"default"}"#)
        #expect(
            r.render(sampleEvent(.terminal), channel: channel(.slack), rule: "r", template: "mine", folded: 0).message.body
                == #"{"text":"mine"}"#)
    }

    @Test("a webhook without a template sends the event itself")
    func webhookDefault() throws {
        let event = sampleEvent(.bandCompleted)
        let out = Renderer(templates: TemplateSet()).render(event, channel: channel(.webhook), rule: "r", template: nil, folded: 0)
        #expect(out.message.body == event.json.serialized())
        #expect(out.message.contentType == "application/json")
    }

    @Test("a render that is not valid JSON sends the plain fallback and reports the template")
    func invalidJSONFallsBack() throws {
        let templates = try set([("slack/default.json", #"{"text": "{{summary}}", "n": {{job.missing}}}"#)])
        let out = Renderer(templates: templates).render(
            sampleEvent(.bandCompleted), channel: channel(.slack), rule: "r", template: nil, folded: 2)
        let error = try #require(out.error)
        #expect(error.contains("/t/slack/default.json"))
        #expect(error.contains("invalid JSON"))
        let json = try JSONValue.parse(out.message.body)
        #expect(
            json["text"]?.stringValue
                == "TAM build 8a8e8a97: band 3/6 completed · 9,120 processed (+2 more held back by the rule's throttle)")
    }

    @Test("a template that does not parse is a configuration error with file, line and column")
    func syntaxErrors() throws {
        do {
            _ = try TemplateSet.parse(
                "{\n  \"text\": \"{{#job.manifest}}x\"\n}\n", path: "/t/slack/broken.json", key: "slack/broken.json", format: .json)
            Issue.record("an unclosed section parsed")
        } catch {
            #expect(error.file == "/t/slack/broken.json")
            #expect(error.line != nil)
            #expect(error.message.contains("not closed"))
        }
        do {
            _ = try TemplateSet.parse("hello {{name", path: "/t/email/x.txt", key: "email/x.txt", format: .txt)
            Issue.record("an unfinished tag parsed")
        } catch {
            #expect(error.line == 1)
            #expect(error.column.map { $0 >= 1 && $0 <= 13 } == true, "column \(String(describing: error.column)) is within the line")
        }
    }

    @Test("partials resolve within their kind and extension; one that does not exist is an error with file, line and column")
    func partials() throws {
        let root = (temporaryPath("x") as NSString).deletingLastPathComponent + "/templates"
        try FileManager.default.createDirectory(atPath: root + "/slack", withIntermediateDirectories: true)
        try #"{"type":"context","elements":[{"type":"mrkdwn","text":"build {{short_job_id}} · {{labels.owner}}"}]}"#
            .write(toFile: root + "/slack/footer.json", atomically: true, encoding: .utf8)
        try #"{"text":"{{headline}}","blocks":[{{> footer}}]}"#.write(
            toFile: root + "/slack/custom.json", atomically: true, encoding: .utf8)
        let set = try TemplateSet.load(folders: [root])
        let channel = ChannelConfig(name: "ops", type: .slack, url: "https://hooks.example/")
        let event = sampleEvent(.bandCompleted, labels: ["owner": "<ana>"])
        let out = Renderer(templates: set).render(event, channel: channel, rule: "r", template: "custom", folded: 0)
        #expect(out.error == nil)
        let json = try JSONValue.parse(out.message.body)
        #expect(
            json["blocks"]?[0]?["elements"]?[0]?["text"]?.stringValue == "build 8a8e8a97 · &lt;ana&gt;",
            "the partial escapes as its kind does")

        try "{\"text\": \"x\",\n  \"blocks\": [{{> missing_footer}}]}".write(
            toFile: root + "/slack/broken.json", atomically: true, encoding: .utf8)
        do {
            _ = try TemplateSet.load(folders: [root])
            Issue.record("a missing partial was accepted")
        } catch {
            let e = try #require(error.errors.first)
            #expect(e.file.hasSuffix("slack/broken.json") && e.line == 2 && e.column == 14, "\(e)")
            #expect(e.message.contains("partial 'missing_footer' not found"), "\(e)")
        }
    }

    @Test("folders: the user's file overrides the shipped one; every file is checked at load")
    func folders() throws {
        let root = URL(fileURLWithPath: temporaryPath("templates"))
        let shipped = root.appendingPathComponent("shipped"), own = root.appendingPathComponent("own")
        for dir in [shipped, own] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("slack"), withIntermediateDirectories: true)
        }
        try #"{"text": "shipped"}"#.write(to: shipped.appendingPathComponent("slack/default.json"), atomically: true, encoding: .utf8)
        try #"{"text": "shipped terminal"}"#.write(
            to: shipped.appendingPathComponent("slack/job.terminal.json"), atomically: true, encoding: .utf8)
        try #"{"text": "own"}"#.write(to: own.appendingPathComponent("slack/default.json"), atomically: true, encoding: .utf8)
        let set = try TemplateSet.load(folders: [own.path, shipped.path])
        #expect(set.find(kind: .slack, templateName: nil, eventType: .progress, suffix: "json")?.path.hasPrefix(own.path) == true)
        #expect(set.find(kind: .slack, templateName: nil, eventType: .terminal, suffix: "json")?.path.hasPrefix(shipped.path) == true)

        try "{{#a}}".write(to: own.appendingPathComponent("slack/bad.json"), atomically: true, encoding: .utf8)
        #expect(throws: ConfigErrors.self) { try TemplateSet.load(folders: [own.path, shipped.path]) }
    }
}

@Suite("Rule engine", .timeLimit(.minutes(5)))
struct RuleEngineTests {
    let channels = [
        ChannelConfig(name: "ops", type: .slack, url: "http://127.0.0.1:1/"),
        ChannelConfig(name: "pipeline", type: .webhook, url: "http://127.0.0.1:1/"),
    ]

    func engine(_ rules: [RuleConfig]) -> RuleEngine {
        RuleEngine(rules: rules, channels: channels, renderer: Renderer(templates: TemplateSet()))
    }

    @Test("rules select by type and where; each (event, channel) pair gets one delivery with a stable id")
    func routing() throws {
        let e = engine([
            RuleConfig(name: "bands", on: ["job.band_completed"], to: ["ops", "pipeline"]),
            RuleConfig(name: "all", on: ["*"], to: ["pipeline"]),
            RuleConfig(name: "sales-only", on: ["*"], matchers: [try Matcher.parse("labels.team = sales").get()], to: ["ops"]),
        ])
        let band = sampleEvent(.bandCompleted), progress = sampleEvent(.progress, sequence: 2)
        let out = e.route([band, progress], throttle: ThrottleState())
        #expect(
            out.deliveries.map { "\($0.eventType.rawValue)>\($0.channel)@\($0.rule)" } == [
                "job.band_completed>ops@bands", "job.band_completed>pipeline@bands", "job.progress>pipeline@all",
            ])
        #expect(out.deliveries[1].id == Delivery.makeID(eventId: band.id, channel: "pipeline"))
        #expect(
            e.route([band], throttle: ThrottleState()).deliveries.map(\.id) == out.deliveries.prefix(2).map(\.id),
            "the same event routes to the same ids again (after a crash)")

        let sales = sampleEvent(.progress, sequence: 3, labels: ["team": "sales"])
        #expect(e.route([sales], throttle: ThrottleState()).deliveries.map(\.channel) == ["pipeline", "ops"])
    }

    @Test("a throttle queues one delivery per window and folds in the count of what it held back")
    func throttle() throws {
        let e = engine([RuleConfig(name: "p", on: ["job.progress", "job.terminal"], to: ["ops"], throttle: .seconds(10))])
        var state = ThrottleState()
        var queued: [(Double, Int)] = []
        for (i, t) in [0.0, 1, 2, 9.9, 10.5, 11, 30].enumerated() {
            let out = e.route([sampleEvent(.progress, at: t, sequence: i + 1)], throttle: state)
            state = out.throttle
            queued += out.deliveries.map { ($0.createdAt.timeIntervalSince1970 - 1_800_000_000, $0.folded) }
        }
        #expect(queued.map(\.0) == [0, 10.5, 30])
        #expect(queued.map(\.1) == [0, 3, 1])

        // The last word is never held back, and releases what was held first.
        let held = e.route([sampleEvent(.progress, at: 31, sequence: 8), sampleEvent(.progress, at: 31.5, sequence: 9)], throttle: state)
        #expect(held.deliveries.isEmpty)
        #expect(ThrottleState(json: held.throttle.json) == held.throttle, "the state, held event included, survives a restart")
        let final = e.route([sampleEvent(.terminal, at: 32, sequence: 10)], throttle: held.throttle)
        #expect(final.flushed.map(\.eventId) == [sampleEvent(.progress, at: 31.5, sequence: 9).id])
        #expect(final.flushed.map(\.folded) == [1])
        #expect(final.deliveries.map(\.eventType) == [.terminal] && final.deliveries.map(\.folded) == [0])
        #expect(e.nextFlush(final.throttle) == nil)
    }

    @Test("a throttle holds back job.progress only: every other event type passes it")
    func throttleOnlyProgress() throws {
        let e = engine([RuleConfig(name: "all", on: ["*"], to: ["ops"], throttle: .seconds(600))])
        let events = [
            sampleEvent(.progress, at: 0, sequence: 1), sampleEvent(.progress, at: 1, sequence: 2),
            sampleEvent(.degraded, at: 2, sequence: 3), sampleEvent(.stalled, at: 3, sequence: 4),
            sampleEvent(.bandCompleted, at: 4, sequence: 5), sampleEvent(.progress, at: 5, sequence: 6),
            sampleEvent(.statusChanged, at: 6, sequence: 7),
        ]
        let out = e.route(events, throttle: ThrottleState())
        #expect(out.deliveries.map(\.eventType) == [.progress, .degraded, .stalled, .bandCompleted, .statusChanged])
        #expect(out.deliveries.allSatisfy { $0.folded == 0 })
    }

    @Test("when a window closes with progress held back, the newest one is sent then, with the count of the rest")
    func throttleFlushAtWindowClose() throws {
        let e = engine([RuleConfig(name: "p", on: ["job.progress"], to: ["ops"], throttle: .seconds(10))])
        let out = e.route(
            [
                sampleEvent(.progress, at: 0, sequence: 1), sampleEvent(.progress, at: 1, sequence: 2),
                sampleEvent(.progress, at: 2, sequence: 3),
            ], throttle: ThrottleState())
        #expect(out.deliveries.count == 1)
        let due = try #require(e.nextFlush(out.throttle))
        #expect(due == Date(timeIntervalSince1970: 1_800_000_010))
        #expect(e.flush(out.throttle, now: due.addingTimeInterval(-1)).deliveries.isEmpty, "not before the window closes")
        let flushed = e.flush(out.throttle, now: due)
        #expect(flushed.deliveries.map(\.eventId) == [sampleEvent(.progress, at: 2, sequence: 3).id])
        #expect(flushed.deliveries.map(\.folded) == [1])
        #expect(flushed.deliveries.first?.message.body.contains("+1 more held back") == true)
        #expect(e.nextFlush(flushed.throttle) == nil)
        // The flush opened a new window: progress right after it is held again.
        #expect(e.route([sampleEvent(.progress, at: 11, sequence: 4)], throttle: flushed.throttle).deliveries.isEmpty)
        #expect(e.route([sampleEvent(.progress, at: 20.5, sequence: 5)], throttle: flushed.throttle).deliveries.count == 1)
    }

    @Test("a throttled delivery's folded count reaches the message")
    func foldedInMessage() throws {
        let e = engine([RuleConfig(name: "p", on: ["job.progress"], to: ["ops"], throttle: .seconds(10))])
        let first = e.route(
            [
                sampleEvent(.progress, at: 0, sequence: 1), sampleEvent(.progress, at: 1, sequence: 2),
                sampleEvent(.progress, at: 12, sequence: 3),
            ], throttle: ThrottleState())
        #expect(first.deliveries.count == 2)
        #expect(first.deliveries[1].message.body.contains("+1 more held back"))
    }
}
