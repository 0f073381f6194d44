import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchConfig
import TamwatchModel
import TamwatchStore

/// `--config` and `--state`, shared by watch, deliveries and replay.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The YAML configuration file (default: $TAMWATCH_CONFIG, else ./tamwatch.yaml if present).")
    var config: String?

    @Option(
        name: .long,
        help:
            "Override state.path (the SQLite state file), or state.url with a postgres:// URL (default: $TAMWATCH_STATE_URL; a password here is visible in ps)."
    )
    var state: String?

    /// The configuration with `--state` applied (exit 78 on errors). Only the commands that
    /// work on a PostgreSQL state pass `database`; the others refuse one, saying so.
    func load(database: Bool = false) throws -> TamwatchConfig {
        var loaded = try loadConfig(config)
        let environment = ProcessInfo.processInfo.environment["TAMWATCH_STATE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let state = state ?? environment {
            let flag = self.state == nil ? "TAMWATCH_STATE_URL" : "--state"
            if PostgresLocation.isURL(state) {
                do throws(PostgresURLError) { loaded.stateDatabase = try PostgresLocation(url: state) } catch {
                    printError("tamwatch: \(flag): \(error)")
                    throw Exit.configuration
                }
                if let password = loaded.stateDatabase?.password {
                    Redaction.install(Redaction.current.adding([password]))
                    if self.state != nil {
                        printError(
                            "tamwatch: warning: the password in --state can be read by every user of this machine (ps, /proc); "
                                + "set TAMWATCH_STATE_URL or state.url: ${VAR} instead")
                    }
                }
            } else {
                loaded.statePath = state
                loaded.stateDatabase = nil
            }
        }
        if let location = loaded.stateDatabase, !database {
            printError(
                "tamwatch: the state is in PostgreSQL (\(location)); tamwatch serve (its replicas) and migrate work on it: "
                    + "watch and the other commands use a state file (state.path)")
            throw Exit.configuration
        }
        return loaded
    }

    /// The existing state file, or exit 1 saying there is none. `readOnly` for listing: it
    /// works while another tamwatch writes to the file.
    func existingStore(_ config: TamwatchConfig, readOnly: Bool = false) throws -> any StateStore {
        try requireStateFile(config)
        return try openStore(config.statePath, readOnly: readOnly)
    }

    /// Exit 1 saying so when there is no state file yet: before a writer lock is taken, so that
    /// no lock file is left beside nothing.
    func requireStateFile(_ config: TamwatchConfig) throws {
        guard FileManager.default.fileExists(atPath: config.statePath) else {
            printError("tamwatch: no state file at \(config.statePath) (nothing was watched with it yet)")
            throw ExitCode(1)
        }
    }
}
