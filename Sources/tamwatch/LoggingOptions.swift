import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchConsole

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func bootstrap() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = SafeLogHandler(wrapping: StreamLogHandler.standardError(label: label))
            handler.logLevel = label.hasPrefix("tamwatch") ? level : max(level, .warning)
            return handler
        }
    }
}
