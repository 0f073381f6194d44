import Foundation
import TamwatchApp
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore
import TamwatchWatch

/// `tamwatch serve` assembled from a configuration and what the command line adds: the
/// application (watcher, dispatcher, reloader) as every command builds it, the server's options
/// and metrics, and the services that run beside it (retention, SIGHUP). The command only
/// parses, opens the store and prints.
public struct ServeSetup: Sendable {
    /// What the command line adds to the configuration.
    public struct Flags: Sendable {
        public var listen: ListenAddress?
        public var shutdownGrace: Duration = .seconds(10)
        public var idleTimeout: Duration = .seconds(15)
        public var pingInterval: Duration = .seconds(15)
        public var streamBuffer = 1000
        /// With a shared store: how long a replica's hold on a watch lasts unrenewed.
        public var leaseTTL: Duration = .seconds(30)
        /// How long a delivery's claim outlives the channel's timeout.
        public var claimGrace: Duration = .seconds(30)
        /// With a shared store: LISTEN for the other replicas' changes (else look every second).
        public var listenForChanges = true
        /// Applied to the configuration again at each reload (`--api-url` and friends).
        public var adjust: @Sendable (inout TamwatchConfig) -> Void = { _ in }

        public init() {}
    }

    public let server: TamwatchServer
    public let app: Assembly
    /// Where it listens, as configured (the port may be 0: the bound one comes to `run`'s caller).
    public let address: ListenAddress
    let retention: RetentionService?
    let reloadOnHangup: ReloadOnHangup?

    /// `shared`: a store several replicas use (PostgreSQL), whose watches this one holds under
    /// leases and whose changes it hears; nil for a state file this process alone writes.
    public static func make(
        config: TamwatchConfig, store: any StateStore, shared: (any WatchLeases & StoreChanges)?, client: OpenFunnelClient,
        transport: any Transport, flags: Flags
    ) async throws -> ServeSetup {
        let metrics = ServeMetrics(channels: config.channels.map(\.name))
        let channels = ChannelDirectory(config.channels.map(ChannelInfo.init))
        var options = Assembly.Options()
        options.exclusive = shared == nil
        options.claimGrace = flags.claimGrace
        options.observe = { metrics.attempted($0) }
        options.adjust = flags.adjust
        // SIGHUP and POST /-/reload: rules, templates, channels, guard and watch defaults.
        options.reloaded = { succeeded, at, hash, applied in
            metrics.configLoaded(succeeded: succeeded, at: at, hash: hash)
            if let applied {
                channels.replace(applied.channels.map(ChannelInfo.init))
                metrics.channels(applied.channels.map(\.name))
            }
        }
        // The server gives the watcher its own sink.
        let app = try Assembly.make(config: config, store: store, transport: transport, client: client, sink: NoSink(), options: options)

        let address = flags.listen ?? config.serve.listen
        var serve = ServeOptions(listen: address, tokens: config.serve.tokens)
        serve.externalURL = config.serve.externalURL
        serve.allowedOrigins = config.serve.allowedOrigins
        serve.maxConnections = config.serve.maxConnections
        serve.maxWatches = config.serve.maxWatches
        serve.idleTimeout = flags.idleTimeout
        serve.shutdownGrace = flags.shutdownGrace
        serve.pingInterval = flags.pingInterval
        serve.streamBuffer = max(1, flags.streamBuffer)
        serve.minBalance = config.guard.minBalance
        if let shared {
            let owner = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"
            serve.share(shared, owner: owner, ttl: flags.leaseTTL, sweep: flags.leaseTTL / 6)
            if flags.listenForChanges { serve.changes = shared }
        }
        serve.channels = channels
        if config.file != nil { serve.reloader = app.reloader }
        metrics.configLoaded(succeeded: true, at: Date(), hash: await app.reloader.hash)
        let server = try await TamwatchServer(
            store: store, client: client, watcher: app.watcher, dispatcher: app.dispatcher, metrics: metrics, options: serve)
        return ServeSetup(
            server: server, app: app, address: address, retention: config.retention.map { RetentionService(store: store, keep: $0) },
            reloadOnHangup: config.file == nil ? nil : ReloadOnHangup(reloader: app.reloader))
    }

    /// Runs the service until SIGTERM or SIGINT; `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await server.run(retention: retention, services: reloadOnHangup.map { [$0] } ?? [], onListening: onListening)
    }
}

/// The server gives the watcher its own sink.
private struct NoSink: EventSink {
    func emit(_ events: [Event]) async -> Bool { true }
}
