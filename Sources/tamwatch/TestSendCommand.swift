import ArgumentParser
import Foundation
import TamwatchApp
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchRules

struct TestSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-send",
        abstract: "Send one test message through a configured channel and report the provider's answer.",
        discussion: """
            Renders a sample event (job.terminal unless --event says otherwise) through the channel's \
            templates, marked as a test in its title and footer, sends it once, now, and prints what the provider answered and what tamwatch \
            would make of it (delivered, retry, dead, channel disabled). Nothing is stored. Exit 0 \
            when it was delivered, 1 otherwise.
            """
    )

    @Argument(help: "The channel's name in the configuration.")
    var channel: String

    @Option(name: .long, help: "The sample event's type.")
    var event: String = EventType.terminal.rawValue

    @Option(name: .long, help: "Use this rule's template.")
    var rule: String?

    @Option(name: .long, help: "The YAML configuration file (default: $TAMWATCH_CONFIG, else ./tamwatch.yaml if present).")
    var config: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard EventType(rawValue: event) != nil else {
            throw ValidationError(
                "--event '\(event)' is not an event type (one of: \(EventType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() async throws {
        logging.bootstrap()
        guard let type = EventType(rawValue: event) else { throw Exit.usage }
        let config = try loadConfig(config)
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let setup: DeliverySetup
        do { setup = try DeliverySetup.load(config, transport: transport) } catch {
            printConfigErrors(error)
            throw Exit.configuration
        }
        guard let pair = try RenderTargets.pairs(config: config, type: type, rule: rule, channel: channel).first else { throw Exit.usage }
        guard let target = setup.channels.first(where: { $0.config.name == channel }) else {
            printError("tamwatch test-send: channel \(channel) (\(pair.channel.type.rawValue)) cannot be sent to by this version")
            throw ExitCode(1)
        }
        // A fresh id, so a receiver that deduplicates does not drop the test as a repeat.
        var sample = SampleEvents.make(type)
        sample.id = "evt_test_" + StableHash.hex128(UUID().uuidString)
        let rendered = setup.engine.renderer.render(
            sample, channel: pair.channel, rule: pair.rule ?? "test-send",
            template: pair.template, folded: 0, test: true)
        if let error = rendered.error { printError("tamwatch test-send: \(error)") }
        let delivery = Delivery(
            id: Delivery.makeID(eventId: sample.id, channel: channel), eventId: sample.id, jobId: sample.jobId,
            eventType: type, channel: channel, rule: pair.rule ?? "test-send", message: rendered.message,
            folded: 0, createdAt: Date())
        let started = ContinuousClock.now
        let result = await target.send(delivery, now: Date())
        let took = ContinuousClock.now - started
        var answer = result.httpStatus.map { DeliveryText.answer($0, kind: pair.channel.type) } ?? "no response"
        if let text = result.answer {
            // An SMTP answer repeats its code ("250 message accepted"): said once.
            let code = result.httpStatus.map(String.init) ?? ""
            let rest = !code.isEmpty && text.hasPrefix(code) ? text.dropFirst(code.count).trimmingCharacters(in: .whitespaces) : text
            if !rest.isEmpty { answer += " \(rest)" }
        }
        let verdict: String
        switch result.outcome {
        case .delivered: verdict = "delivered"
        case .retry(let reason, let after):
            verdict = "not delivered, would be retried (\(reason))" + (after.map { "; Retry-After \(DurationText.format($0))" } ?? "")
        case .dead(let reason): verdict = "not delivered, would be dead-lettered: \(reason)"
        case .disableChannel(let reason): verdict = "not delivered, the channel would be disabled: \(reason)"
        }
        print("\(channel) (\(pair.channel.type.rawValue)): \(answer) in \(DurationText.format(took)) → \(verdict)")
        if result.outcome != .delivered { throw ExitCode(1) }
    }
}
