import ArgumentParser
import Foundation
import TamwatchApp
import TamwatchConfig
import TamwatchConsole
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchRules

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a realistic sample event through the real templates and print the exact bytes that would be sent.",
        discussion: """
            With one rule and channel (or one channel), stdout holds exactly the request body (pipe it \
            to jq); with several, each comes after a header line on stderr. --channel also takes a \
            channel kind (slack, discord, …) to preview the shipped templates without a config. Email \
            shows its subject, recipients and parts. Sends nothing.
            """
    )

    @Option(name: .long, help: "The event type: \(EventType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var event: String

    @Option(name: .long, help: "Only this rule (its channels and its template).")
    var rule: String?

    @Option(name: .long, help: "Only this channel (a name from the config, or a channel kind).")
    var channel: String?

    @Option(name: .long, help: "A label for the sample event, key=value; repeatable.")
    var label: [String] = []

    @Option(name: .long, help: "The YAML configuration file (default: $TAMWATCH_CONFIG, else ./tamwatch.yaml if present).")
    var config: String?

    func validate() throws {
        guard EventType(rawValue: event) != nil else {
            throw ValidationError(
                "--event '\(event)' is not an event type (one of: \(EventType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        _ = try parseLabels(label)
    }

    func run() async throws {
        guard let type = EventType(rawValue: event) else { throw Exit.usage }
        var config = configPath(config) == nil ? TamwatchConfig() : try loadConfig(config)
        if let name = channel, !config.channels.contains(where: { $0.name == name }), let kind = ChannelType(rawValue: name) {
            // A kind, not a configured channel: preview the shipped templates.
            config.channels.append(
                ChannelConfig(name: name, type: kind, url: kind == .email ? "smtp://127.0.0.1" : "https://example.invalid/"))
        }
        let setup: DeliverySetup
        let transport = CurlTransport()
        defer { transport.shutdown() }
        do { setup = try DeliverySetup.load(config, transport: transport) } catch {
            printConfigErrors(error)
            throw Exit.configuration
        }
        var labels = ["owner": "ana@example.com", "team": "sales"]
        labels.merge(try parseLabels(label)) { _, new in new }
        let sample = SampleEvents.make(type, labels: labels)

        let pairs = try RenderTargets.pairs(config: config, type: type, rule: rule, channel: channel)
        let renderer = setup.engine.renderer
        var failed = false
        for (i, pair) in pairs.enumerated() {
            let out = renderer.render(sample, channel: pair.channel, rule: pair.rule ?? "(none)", template: pair.template, folded: 0)
            if pairs.count > 1 || out.error != nil {
                printError(
                    "\(i == 0 ? "" : "\n")── \(pair.rule.map { "rule \($0) → " } ?? "")channel \(pair.channel.name) (\(pair.channel.type.rawValue))"
                        + (pair.template.map { ", template \($0)" } ?? ""))
            }
            if let error = out.error {
                printError("tamwatch render: \(error)")
                failed = true
            }
            StandardStream.output.write(RenderTargets.text(out.message, kind: pair.channel.type))
        }
        if failed { throw ExitCode(1) }
    }
}
