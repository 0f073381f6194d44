import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchApp
import TamwatchConfig
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchSQLite
import TamwatchStore
import TamwatchWatch

/// The rules, channels and dispatcher of one command run. The dispatcher runs as a service of
/// the command's lifecycle (`service`).
final class DeliveryRuntime: Sendable {
    let setup: DeliverySetup
    let dispatcher: Dispatcher
    /// Set when the dispatcher stopped because the state store failed.
    let failure = Mutex<StoreError?>(nil)

    init(setup: DeliverySetup, dispatcher: Dispatcher) {
        self.setup = setup
        self.dispatcher = dispatcher
    }

    /// The command's application, assembled once (a problem is a configuration error, exit 78).
    static func assemble(
        config: TamwatchConfig, store: any EventLog & Outbox, transport: any Transport, client: OpenFunnelClient, sink: any EventSink,
        options: Assembly.Options = Assembly.Options()
    ) throws -> (Assembly, DeliveryRuntime) {
        do {
            let app = try Assembly.make(config: config, store: store, transport: transport, client: client, sink: sink, options: options)
            return (app, DeliveryRuntime(setup: app.setup, dispatcher: app.dispatcher))
        } catch {
            printConfigErrors(error)
            throw Exit.configuration
        }
    }

    /// Loads templates and channels (a problem is a configuration error, exit 78).
    /// `exclusive`: the caller holds the state file's lock, so claims left in the outbox belong to
    /// a process that died and are taken back at once. `batch`: send this replay's deliveries and
    /// no others. `claimGrace`: how long a claim outlives the longest attempt (what a dispatcher
    /// that died leaves stuck, until another takes it back).
    static func make(
        config: TamwatchConfig, store: any Outbox, transport: any Transport, exclusive: Bool,
        batch: String? = nil, claimGrace: Duration = .seconds(30), observe: @escaping @Sendable (AttemptReport) -> Void = { _ in }
    ) throws -> DeliveryRuntime {
        var options = Assembly.Options()
        options.exclusive = exclusive
        options.claimGrace = claimGrace
        options.observe = observe
        do {
            let (setup, dispatcher) = try Assembly.dispatcher(
                config: config, store: store, transport: transport, options: options, batch: batch)
            return DeliveryRuntime(setup: setup, dispatcher: dispatcher)
        } catch {
            printConfigErrors(error)
            throw Exit.configuration
        }
    }

    /// Sends whatever the outbox holds that is due, from the lifecycle's start to its shutdown.
    var service: DispatcherService { DispatcherService(runtime: self) }

    /// Waits for deliveries to settle, at most `timeout`; returns what is left pending (nil when
    /// the wait was interrupted or the state file failed, which is then said).
    func drain(jobIds: [String]?, batch: String? = nil, timeout: Duration) async -> PendingSummary? {
        do { return try await dispatcher.drain(jobIds: jobIds, batch: batch, timeout: timeout) } catch {
            if !Task.isCancelled { printError("tamwatch: \(error)") }
            return nil
        }
    }

    /// Says why the dispatcher stopped early, if it did.
    func reportFailure() {
        if let error = failure.withLock({ $0 }) { printError("tamwatch: \(error)") }
    }
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
