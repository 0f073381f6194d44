import ArgumentParser
import Foundation
import Logging
import TamwatchCore

@main
struct Tamwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tamwatch",
        abstract: "Watch OpenFunnel TAM builds and turn their progress into events.",
        discussion: """
            OpenFunnel has no webhook for TAM builds; tamwatch polls them, diffs each response \
            against the last, and emits typed events. Try it with no setup: tamwatch demo
            """,
        version: TamwatchVersion.current,
        subcommands: [WatchCommand.self, DemoCommand.self, DeliveriesCommand.self, ReplayCommand.self,
                      SimulateCommand.self, ReceiveCommand.self, SubmitCommand.self]
    )
}

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level on stderr: trace, debug, info, warning, error.")
    var logLevel: Logger.Level = .info

    func bootstrap() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = label.hasPrefix("tamwatch") ? level : max(level, .warning)
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Exit statuses from DESIGN.md.
enum Exit {
    static let configuration = ExitCode(78)
    static let usage = ExitCode(64)
}

/// Prints a message on stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Loads the configuration: `--config`, else `$TAMWATCH_CONFIG`, else `./tamwatch.yaml` when present,
/// else the built-in defaults. Problems are printed with file, line and key; exit 78.
func loadConfig(_ path: String?) throws -> TamwatchConfig {
    let env = ProcessInfo.processInfo.environment
    let chosen = path ?? env["TAMWATCH_CONFIG"] ?? (FileManager.default.fileExists(atPath: "tamwatch.yaml") ? "tamwatch.yaml" : nil)
    do {
        guard let chosen else {
            var config = TamwatchConfig()
            config.statePath = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("tamwatch.sqlite").path
            return config
        }
        return try ConfigLoader(environment: env).load(path: chosen)
    } catch {
        printConfigErrors(error)
        throw Exit.configuration
    }
}

/// Parses `key=value` labels.
func parseLabels(_ raw: [String]) throws -> [String: String] {
    var labels: [String: String] = [:]
    for item in raw {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("--label takes key=value, got '\(item)'")
        }
        labels[String(item[..<eq])] = String(item[item.index(after: eq)...])
    }
    return labels
}

/// The API key: the config's, else `OPENFUNNEL_API_KEY`. Never printed.
func apiKey(_ config: TamwatchConfig) throws -> String {
    if let key = config.api.key { return key }
    if let key = ProcessInfo.processInfo.environment["OPENFUNNEL_API_KEY"], !key.isEmpty { return key }
    printError("tamwatch: no API key: set OPENFUNNEL_API_KEY, or api.key in the configuration")
    throw Exit.configuration
}

/// Cancels `task` on Ctrl-C (SIGINT) or SIGTERM, so the watch stops cleanly with its state saved.
func cancelOnSignals<T: Sendable>(_ task: Task<T, Never>) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { sig in
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { task.cancel() }
        source.resume()
        return source
    }
}
