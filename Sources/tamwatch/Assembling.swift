import ArgumentParser
import Foundation
import TamwatchApp
import TamwatchConfig
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchSQLite
import TamwatchStore
import TamwatchWatch

/// The application a command runs, assembled once; a configuration problem is said, exit 78.
func assemble(
    config: TamwatchConfig, store: any EventLog & Outbox, transport: any Transport, client: OpenFunnelClient, sink: any EventSink,
    options: Assembly.Options = Assembly.Options()
) throws -> Assembly {
    do {
        return try Assembly.make(config: config, store: store, transport: transport, client: client, sink: sink, options: options)
    } catch {
        printConfigErrors(error)
        throw Exit.configuration
    }
}

/// The dispatcher alone (`replay`): templates and channels loaded, this replay's batch only.
func assembleDispatcher(config: TamwatchConfig, store: any Outbox, transport: any Transport, batch: String) throws -> Dispatcher {
    do {
        return try Assembly.dispatcher(config: config, store: store, transport: transport, batch: batch)
    } catch {
        printConfigErrors(error)
        throw Exit.configuration
    }
}

/// Says why the dispatcher stopped early, if it did.
func reportFailure(_ service: DispatcherService) {
    if let error = service.failure { printError("tamwatch: \(error)") }
}

func printConfigErrors(_ error: ConfigErrors) {
    let count = error.errors.count
    printError("tamwatch: \(count == 1 ? "a configuration error" : "\(count) configuration errors"):")
    for e in error.errors { printError("  \(e)") }
}
/// Opens the state file, or exits with the reason: 78 for a file that is not a tamwatch state
/// file, 74 for one that cannot be read or written (corrupt, a full disk).
func openStore(_ path: String, readOnly: Bool = false) throws -> any StateStore {
    do { return try SQLiteStore(path: path, readOnly: readOnly) } catch {
        printError("tamwatch: \(error)")
        throw ExitCode(error.exitCode)
    }
}
/// Says what the outbox still holds after a drain.
func reportLeftovers(_ left: PendingSummary, timeout: Duration, statePath: String) {
    guard left.count > 0 else { return }
    var when = ""
    if let next = left.nextAt {
        let wait = next.timeIntervalSinceNow
        when = wait > 0 ? "; the next attempt is due in \(DurationText.format(.seconds(Int64(wait.rounded(.up)))))" : ""
    }
    printError(
        "tamwatch: \(left.count) \(left.count == 1 ? "delivery is" : "deliveries are") still pending after --drain-timeout \(DurationText.format(timeout))\(when). "
            + "They stay in the outbox (\(statePath)): the next tamwatch watch or replay sends them; see tamwatch deliveries --status pending."
    )
}
