import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TamwatchModel
import TamwatchReplicas
import TamwatchStore
import TamwatchWatch
import UnixSignals

extension TamwatchServer {
    /// Runs until a graceful shutdown (SIGTERM or SIGINT among `signals`, or the task's
    /// cancellation). Stopping goes in this order: the event stream says `shutdown`, the
    /// listener stops accepting and finishes the requests in flight, the watcher stops polling
    /// (a commit in flight completes), and deliveries in flight get `shutdownGrace` to finish.
    /// `onListening` gets the bound port. A failure of the state store makes the service not
    /// ready until the store answers again; the dispatcher and the watches start again by
    /// themselves.
    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint], retention: (any Service)? = nil, services extra: [any Service] = [],
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        // With replicas, the lease keeper hands out the active watches; alone, all resume here.
        let active = try await loadWatches()
        let resume = options.shared == nil ? active : []
        let limiter = connections
        let (idle, body) = (options.idleTimeout, options.bodyTimeout)
        let app = Application(
            router: buildRouter(),
            server: .http1(
                configuration: .init(additionalChannelHandlers: [ConnectionGuard(limiter: limiter, idleTimeout: idle, bodyTimeout: body)])),
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
        for service in extra { add(service) }
        add(DispatcherRunner(server: self))
        if let shared = options.shared {
            // Before the watcher: it stops after it, and only then gives the leases back.
            let (hub, metrics, dispatcher) = (hub, metrics, dispatcher)
            add(
                LeaseKeeper(
                    shared: shared, control: control, clock: clock, logger: self.logger,
                    budget: { [self] in budget(maxCredits: $0.maxCredits, guardAction: $0.guardAction) },
                    turned: { census, held in
                        metrics.leases(census, held: held)
                        // Another replica's events reach this one's event stream (if a change was missed).
                        hub.notify()
                    }))
            add(
                ChangeListener(
                    changes: options.changes,
                    wakes: .init(outbox: { dispatcher.wake() }, feed: { hub.notify() }, release: { shared.wakeUp.signal() }),
                    clock: clock, logger: self.logger))
        }
        add(
            WatcherRunner(
                server: self, resume: resume.map { WatchRequest(jobId: $0.jobId, labels: $0.labels, budget: budget($0), query: $0.query) }))
        add(app)
        // Last, so that it is the first to hear of a shutdown.
        add(StreamRunner(server: self))
        var logger = Logger(label: "tamwatch.lifecycle")
        logger.logLevel = .warning
        var config = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: signals, logger: logger)
        config.maximumGracefulShutdownDuration = options.shutdownGrace + .seconds(15)
        config.maximumCancellationDuration = .seconds(10)
        if !resume.isEmpty { self.logger.info("resuming \(resume.count) active watch(es)") }
        try await ServiceGroup(configuration: config).run()
    }
}
