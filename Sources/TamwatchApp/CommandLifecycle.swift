import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TamwatchModel

/// How every long-running command runs: its own work beside the services it needs (a
/// dispatcher, a receiver) in one `ServiceGroup`. SIGINT and SIGTERM start a graceful shutdown,
/// which cancels the work; `stop` does the same from inside (stdout closed). When the work
/// returns, the services are shut down gracefully, in reverse order, and awaited: nothing the
/// command started outlives it.
public enum CommandLifecycle {
    /// The work's result; nil only if the group failed before the work ran.
    public static func run<T: Sendable>(
        services: [any Service] = [], stop: WakeSignal = WakeSignal(),
        _ work: @escaping @Sendable () async -> T
    ) async -> T? {
        let result = Mutex<T?>(nil)
        let main = ClosureService {
            let value = await cancelWhenGracefulShutdown { await Self.cancellable(by: stop, work) }
            result.withLock { $0 = value }
        }
        var configurations = services.map {
            ServiceGroupConfiguration.ServiceConfiguration(
                service: $0, successTerminationBehavior: .ignore,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        configurations.append(.init(service: main, successTerminationBehavior: .gracefullyShutdownGroup))
        var logger = Logger(label: "tamwatch.lifecycle")
        logger.logLevel = .warning
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do { try await group.run() } catch {
            // As every command says what went wrong: on stderr, secrets masked, one safe line.
            let line = TerminalText.safe(Redaction.redact("tamwatch: \(error)"))
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return result.withLock { $0 }
    }

    /// Runs `work`, cancelling it when `stop` is signalled; returns what the work returns.
    private static func cancellable<T: Sendable>(by stop: WakeSignal, _ work: @escaping @Sendable () async -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await work() }
            group.addTask {
                await stop.wait()
                return nil
            }
            // Whichever ends first, the other is cancelled; the work returns either way.
            var value: T?
            for await next in group {
                group.cancelAll()
                if let next { value = next }
            }
            return value
        }
    }
}
