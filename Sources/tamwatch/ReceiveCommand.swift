import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchApp
import TamwatchConsole
import TamwatchModel
import TamwatchReceiver

struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Run a local webhook receiver that checks signatures and prints what arrives.",
        discussion: """
            Point a webhook channel at the printed URL to try rules and templates end to end. With \
            $TAMWATCH_RECEIVE_SECRET set (or --secret, which other users can read in ps) every \
            delivery's Standard Webhooks signature is checked; a bad one is answered 401. A \
            repeated webhook-id is marked as a duplicate.
            """
    )

    @Option(name: .long, help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: Int = 0

    @Option(
        name: .long,
        help: "A whsec_ signing secret to check signatures with; repeatable (rotation). Visible in ps: prefer $TAMWATCH_RECEIVE_SECRET.")
    var secret: [String] = []

    @Option(name: .long, help: "text: one line per delivery; ndjson: each body as it arrived.")
    var output: Console.Format = .text

    @Flag(name: .long, help: "Print nothing per delivery; a count on exit (for load tests).")
    var quiet = false

    func run() async throws {
        var secrets = secret
        if !secrets.isEmpty {
            printError(
                "tamwatch receive: warning: --secret can be read by every user of this machine (ps, /proc); set TAMWATCH_RECEIVE_SECRET instead"
            )
        } else if let env = ProcessInfo.processInfo.environment["TAMWATCH_RECEIVE_SECRET"], !env.isEmpty {
            // Several secrets (a rotation) are separated by spaces, as in a webhook-signature header.
            secrets = env.split(separator: " ").map(String.init)
        }
        Redaction.install(Redactor(secrets: secrets + secrets.map { String($0.dropFirst("whsec_".count)) }))
        var logger = Logger(label: "tamwatch.receiver")
        logger.logLevel = .critical
        let format = output
        let quiet = self.quiet
        let count = Counter()
        let receiver: WebhookReceiver
        do {
            receiver = try WebhookReceiver(port: port, secrets: secrets, logger: logger) { arrival in
                count.value.add(1, ordering: .relaxed)
                guard !quiet else { return }
                let line = format == .ndjson ? String(decoding: arrival.body, as: UTF8.self) : ReceiveText.line(arrival)
                StandardStream.output.write((line + "\n"))
            }
        } catch {
            printError("tamwatch: --secret: \(error) (the value is not shown)")
            throw Exit.usage
        }
        let checking = secrets.isEmpty ? "signatures not checked" : "checking signatures"
        // Serves until Ctrl-C or SIGTERM.
        let failure =
            await CommandLifecycle.run { () -> String? in
                do {
                    try await receiver.run { port in printError("tamwatch receive: listening on http://127.0.0.1:\(port)/ (\(checking))") }
                    return nil
                } catch { return Task.isCancelled ? nil : "\(error)" }
            } ?? nil
        if quiet { printError("tamwatch receive: \(count.value.load(ordering: .relaxed)) deliveries received") }
        if let failure {
            printError("tamwatch receive: \(failure)")
            throw ExitCode(1)
        }
    }
}
