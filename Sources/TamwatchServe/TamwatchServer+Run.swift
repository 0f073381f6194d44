import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TamwatchModel
import TamwatchStore
import UnixSignals

extension TamwatchServer {
    /// Runs until a graceful shutdown (SIGTERM or SIGINT among `signals`, or the task's
    /// cancellation). Stopping goes in this order: the event stream says `shutdown`, the
    /// listener stops accepting and finishes the requests in flight, the watcher stops polling
    /// (a commit in flight completes), and deliveries in flight get `drainTimeout` to finish.
    /// `onListening` gets the bound port.
    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint], retention: (any Service)? = nil,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let resume = try await loadWatches()
        let app = Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(options.listen.host, port: options.listen.port), serverName: "tamwatch"),
            onServerRunning: { [readiness] channel in
                readiness.set(listening: true)
                onListening(channel.localAddress?.port ?? 0)
            },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        func add(_ service: any Service) {
            services.append(
                .init(
                    service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let retention { add(retention) }
        add(DispatcherRunner(server: self))
        add(WatcherRunner(server: self, resume: resume.map { ($0.jobId, $0.labels) }))
        add(app)
        // Last, so that it is the first to hear of a shutdown.
        add(StreamRunner(server: self))
        var logger = Logger(label: "tamwatch.lifecycle")
        logger.logLevel = .warning
        var config = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: signals, logger: logger)
        config.maximumGracefulShutdownDuration = options.drainTimeout + .seconds(15)
        config.maximumCancellationDuration = .seconds(10)
        if !resume.isEmpty { self.logger.info("resuming \(resume.count) active watch(es)") }
        try await ServiceGroup(configuration: config).run()
    }
}

/// The dispatcher until a shutdown; then nothing new starts and attempts in flight get the
/// drain timeout to finish and be recorded; what is left is cut short, its claim given back.
struct DispatcherRunner: Service {
    let server: TamwatchServer

    func run() async throws {
        let dispatcher = server.dispatcher
        let readiness = server.readiness
        let drain = server.options.drainTimeout
        let logger = server.logger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                readiness.set(dispatcher: true)
                do { try await dispatcher.run() } catch {
                    if !Task.isCancelled { logger.error("the dispatcher stopped: \(error)") }
                }
                readiness.set(dispatcher: false)
            }
            group.addTask {
                do { try await gracefulShutdown() } catch { return }
                let left = await dispatcher.quiesce(timeout: drain)
                if left > 0 { logger.warning("\(left) deliveries still in flight after the drain timeout; they stay queued") }
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// The watcher, taking new watches from the API, until a shutdown.
struct WatcherRunner: Service {
    let server: TamwatchServer
    let resume: [(jobId: String, labels: [String: String])]

    func run() async throws {
        let server = self.server
        let resume = self.resume
        await cancelWhenGracefulShutdown {
            server.readiness.set(watcher: true)
            await server.watcher.run(control: server.control, resume: resume)
            server.readiness.set(watcher: false)
        }
    }
}

/// Sends committed events to the event stream's clients; at a shutdown, marks the service not
/// ready and tells every client `shutdown` before the listener starts to close.
struct StreamRunner: Service {
    let server: TamwatchServer

    func run() async throws {
        let hub = server.hub
        let ping = server.options.pingInterval
        let clock = server.clock
        await cancelWhenGracefulShutdown { await hub.run(pingEvery: ping, clock: clock) }
        server.readiness.set(stopping: true)
        hub.shutdown()
    }
}
