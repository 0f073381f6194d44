import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchConfig
import TamwatchConsole
import TamwatchModel

@main
struct Tamwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tamwatch",
        abstract: "Watch OpenFunnel TAM builds and turn their progress into events.",
        discussion: """
            OpenFunnel has no webhook for TAM builds; tamwatch polls them, diffs each response \
            against the last, and emits typed events. Try it with no setup: tamwatch demo
            """,
        version: BuildInfo.short,
        subcommands: [
            WatchCommand.self, DemoCommand.self, CheckCommand.self, RenderCommand.self, TestSendCommand.self,
            DeliveriesCommand.self, ReplayCommand.self, PruneCommand.self, SimulateCommand.self, ReceiveCommand.self,
            SubmitCommand.self, ServeCommand.self, TokenCommand.self, ExportCommand.self, MigrateCommand.self, SecretCommand.self,
            SchemaCommand.self, VersionCommand.self,
        ]
    )

    /// As ArgumentParser's own, after ignoring SIGPIPE process-wide: libcurl needs it (its
    /// transfers run with NOSIGNAL), and a closed stdout must be an error to handle, not a kill.
    static func main() async {
        StandardStream.ignoreBrokenPipes()
        PrivateFile.restrictCreationMode()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
extension Logger.Level: @retroactive ExpressibleByArgument {}
/// Prints a message on stderr: secrets redacted, control characters in each line shown escaped.
func printError(_ message: String) {
    let lines = Redaction.redact(message).split(separator: "\n", omittingEmptySubsequences: false)
    StandardStream.error.write(lines.map { TerminalText.safe(String($0)) }.joined(separator: "\n") + "\n")
}
/// Loads the configuration: `--config`, else `$TAMWATCH_CONFIG`, else `./tamwatch.yaml` when present,
/// else the built-in defaults. Problems are printed with file, line and key; exit 78.
func loadConfig(_ path: String?) throws -> TamwatchConfig {
    let env = ProcessInfo.processInfo.environment
    let chosen = configPath(path)
    do {
        guard let chosen else {
            var config = TamwatchConfig()
            config.statePath = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("tamwatch.sqlite").path
            Redaction.install(Redactor(config: config, apiKey: env["OPENFUNNEL_API_KEY"]))
            return config
        }
        let config = try ConfigLoader(environment: env).load(path: chosen)
        Redaction.install(Redactor(config: config, apiKey: env["OPENFUNNEL_API_KEY"]))
        return config
    } catch {
        printConfigErrors(error)
        throw Exit.configuration
    }
}
/// `--config`, else `$TAMWATCH_CONFIG`, else `./tamwatch.yaml` when present.
func configPath(_ path: String?) -> String? {
    path ?? ProcessInfo.processInfo.environment["TAMWATCH_CONFIG"]
        ?? (FileManager.default.fileExists(atPath: "tamwatch.yaml") ? "tamwatch.yaml" : nil)
}
/// Parses `key=value` labels. A label is one line of text: a control character (CR, LF, ESC, …)
/// could smuggle a header or an SMTP command into a delivery, so it is refused.
func parseLabels(_ raw: [String]) throws -> [String: String] {
    var labels: [String: String] = [:]
    for item in raw {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("--label takes key=value, got '\(TerminalText.safe(item))'")
        }
        let (key, value) = (String(item[..<eq]), String(item[item.index(after: eq)...]))
        if let problem = Label.problem(key: key, value: value) { throw ValidationError("--label '\(TerminalText.safe(item))': \(problem)") }
        labels[key] = value
    }
    if labels.count > Label.maxCount { throw ValidationError("at most \(Label.maxCount) labels") }
    return labels
}
/// The API key: the config's, else `OPENFUNNEL_API_KEY`. Never printed.
func apiKey(_ config: TamwatchConfig) throws -> String {
    if let key = config.api.key { return key }
    if let key = ProcessInfo.processInfo.environment["OPENFUNNEL_API_KEY"], !key.isEmpty { return key }
    printError("tamwatch: no API key: set OPENFUNNEL_API_KEY, or api.key in the configuration")
    throw Exit.configuration
}
