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
        version: TamwatchVersion.current,
        subcommands: [WatchCommand.self, DemoCommand.self, CheckCommand.self, RenderCommand.self, TestSendCommand.self,
                      DeliveriesCommand.self, ReplayCommand.self, SimulateCommand.self, ReceiveCommand.self,
                      SubmitCommand.self]
    )

    /// As ArgumentParser's own, after ignoring SIGPIPE process-wide: libcurl needs it (its
    /// transfers run with NOSIGNAL), and a closed stdout must be an error to handle, not a kill.
    static func main() async {
        StandardStream.ignoreBrokenPipes()
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

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level on stderr: trace, debug, info, warning, error.")
    var logLevel: Logger.Level = .info

    func bootstrap() {
        SignalRelay.shared.install()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = SafeLogHandler(wrapping: StreamLogHandler.standardError(label: label))
            handler.logLevel = label.hasPrefix("tamwatch") ? level : max(level, .warning)
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Exit statuses (README, "Using it").
enum Exit {
    static let configuration = ExitCode(78)
    static let usage = ExitCode(64)
    /// Another tamwatch is writing to the state file (EX_TEMPFAIL: try again later, or --wait).
    static let busy = ExitCode(75)
    /// The state file or stdout failed (EX_IOERR).
    static let ioError = ExitCode(74)
}

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
        if item.unicodeScalars.contains(where: TerminalText.isControl) {
            throw ValidationError("--label '\(TerminalText.safe(item))' holds a control character; a label is one line of plain text")
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

/// Cancels `task` on Ctrl-C (SIGINT) or SIGTERM, so the command stops cleanly with its state saved.
/// A signal that arrived before the task existed cancels it at once.
func cancelOnSignals<T: Sendable>(_ task: Task<T, Never>) -> SignalRelay.Attachment {
    SignalRelay.shared.attach { task.cancel() }
}

/// Cancels a task that may not exist yet: a signal before `bind` cancels it as soon as it is bound.
final class Canceller: Sendable {
    private let state = Mutex<(cancelled: Bool, action: (@Sendable () -> Void)?)>((false, nil))

    func cancel() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.cancelled = true
            return s.action
        }
        action?()
    }

    func bind<T: Sendable>(_ task: Task<T, Never>) {
        let already = state.withLock { s -> Bool in
            s.action = { task.cancel() }
            return s.cancelled
        }
        if already { task.cancel() }
    }
}

/// Takes over SIGINT and SIGTERM once, early (`LoggingOptions.bootstrap` installs it), and relays
/// them to whatever is attached; it remembers a signal that came before anything was.
final class SignalRelay: Sendable {
    static let shared = SignalRelay()

    private struct State {
        var fired = false
        var actions: [Int: @Sendable () -> Void] = [:]
        var next = 0
    }

    private let state = Mutex(State())
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    private init() {
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [unowned self] in self.fire() }
            source.resume()
            return source
        }
    }

    /// Installs the handlers (the first use does).
    func install() {}

    /// With nothing attached there is nothing to stop cleanly: exit as Ctrl-C would.
    private func fire() {
        let actions = state.withLock { s -> [@Sendable () -> Void] in
            s.fired = true
            return Array(s.actions.values)
        }
        if actions.isEmpty { exit(130) }
        actions.forEach { $0() }
    }

    struct Attachment {
        let id: Int
        /// Stops relaying to this task (it has finished).
        func detach() { _ = SignalRelay.shared.state.withLock { $0.actions.removeValue(forKey: id) } }
    }

    func attach(_ action: @escaping @Sendable () -> Void) -> Attachment {
        let (id, fired) = state.withLock { s -> (Int, Bool) in
            s.next += 1
            if !s.fired { s.actions[s.next] = action }
            return (s.next, s.fired)
        }
        if fired { action() }
        return Attachment(id: id)
    }
}
