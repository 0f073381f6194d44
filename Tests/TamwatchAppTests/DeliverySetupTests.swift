import Foundation
import TamwatchShipped
import Testing

@testable import TamwatchApp
@testable import TamwatchConfig
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchRules
@testable import TamwatchTesting

/// Templates come from the binary; a user's folder overrides them file by file; a rule's
/// template that exists nowhere is an error naming the rule and the channel.
@Suite("Delivery setup: built-in templates", .timeLimit(.minutes(2)))
struct DeliverySetupTests {
    func config(_ yaml: String) throws -> TamwatchConfig {
        let path = temporaryPath("tamwatch.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader(environment: [:]).load(path: path)
    }

    @Test(
        "with no template folder, every built-in template is parsed and each message kind has its default (a webhook sends the event itself)"
    )
    func builtIn() throws {
        let setup = try DeliverySetup.load(TamwatchConfig(), transport: CurlTransport())
        #expect(setup.templates.folders == [TemplateSet.builtInName])
        #expect(setup.templates.files.count == Shipped.templates.count)
        for kind in ChannelType.allCases where kind != .webhook {
            let found = setup.templates.find(kind: kind, templateName: nil, eventType: .terminal, suffix: kind == .email ? "txt" : "json")
            #expect(found?.path.hasPrefix(TemplateSet.builtInName) == true, "\(kind): \(found?.path ?? "none")")
        }
    }

    @Test("a user's folder overrides one file; the others stay built in")
    func override() throws {
        let folder = temporaryDirectory().appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("slack"), withIntermediateDirectories: true)
        try #"{"text": "ours: {{job.status}}"}"#.write(
            to: folder.appendingPathComponent("slack/default.json"), atomically: true, encoding: .utf8)
        let setup = try DeliverySetup.load(try config("templates: \(folder.path)\n"), transport: CurlTransport())
        #expect(setup.templates.folders == [folder.path, TemplateSet.builtInName])
        let slack = try #require(setup.templates.find(kind: .slack, templateName: nil, eventType: .progress, suffix: "json"))
        #expect(slack.path == folder.appendingPathComponent("slack/default.json").path)
        let discord = try #require(setup.templates.find(kind: .discord, templateName: nil, eventType: .progress, suffix: "json"))
        #expect(discord.path.hasPrefix(TemplateSet.builtInName))
    }

    @Test("a rule's template found nowhere names the rule, the channel and where it looked")
    func missing() throws {
        let yaml = """
            channels:
              team: { type: slack, url: "https://hooks.slack.com/services/T/B/X" }
            rules:
              - { name: done, on: [job.terminal], to: [team], template: nothere }
            """
        let loaded = try config(yaml)
        do throws(ConfigErrors) {
            _ = try DeliverySetup.load(loaded, transport: CurlTransport())
            Issue.record("expected a configuration error")
        } catch {
            let found = try #require(error.errors.first)
            #expect(found.key == "rules.done.template")
            #expect(found.line == 4)
            #expect(found.message == "no template 'nothere' for channel team (slack): looked for slack/nothere.* in (built in)")
        }
    }
}
