import Foundation
import Logging
import TamwatchConfig
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchResults
import TamwatchStore
import TamwatchWatch

/// The application a command runs, built once from its configuration, the same way for
/// `watch`, `serve` and `demo`: templates and channels (every problem reported at once), the
/// dispatcher, the watcher with its rules, the redactor and the results export, the dispatcher
/// woken by every commit that queues deliveries, and the reloader that can replace the
/// configuration-scoped part while it runs.
public struct Assembly: Sendable {
    public let config: TamwatchConfig
    public let dispatcher: Dispatcher
    public let watcher: Watcher
    public let reloader: Reloader

    /// How a command runs the dispatcher: `exclusive` when it holds the state file's writer
    /// lock (claims it finds were left by a process that died), `lookEvery` with a store others
    /// write too, `claimGrace` how long a claim outlives the longest attempt.
    public struct Options: Sendable {
        public var exclusive = true
        public var claimGrace: Duration = .seconds(30)
        /// Export a completed build's list when `results.dir` asks for it.
        public var results = true
        /// Told of every finished attempt (the service's metrics).
        public var observe: @Sendable (AttemptReport) -> Void = { _ in }
        /// The command line's overrides, applied again to every reload.
        public var adjust: @Sendable (inout TamwatchConfig) -> Void = { _ in }
        /// Told of every reload's outcome.
        public var reloaded: @Sendable (Bool, Date, UInt64, TamwatchConfig?) -> Void = { _, _, _, _ in }

        public init() {}
    }

    /// The dispatcher alone (for `replay`: no watcher, and `batch` sends one replay's deliveries).
    public static func dispatcher(
        config: TamwatchConfig, store: any Outbox, transport: any Transport, options: Options = Options(), batch: String? = nil
    ) throws(ConfigErrors) -> Dispatcher {
        dispatcher(setup: try DeliverySetup.load(config, transport: transport), store: store, options: options, batch: batch)
    }

    private static func dispatcher(setup: DeliverySetup, store: any Outbox, options: Options, batch: String? = nil) -> Dispatcher {
        Dispatcher(
            store: store, channels: setup.channels, logger: Logger(label: "tamwatch.deliver"),
            exclusive: options.exclusive, batch: batch, redactor: Redaction.current, lookEvery: options.exclusive ? nil : .seconds(1),
            claimGrace: options.claimGrace, observe: options.observe)
    }

    /// Everything, from `config`; `client` is the OpenFunnel API the watcher polls.
    public static func make(
        config: TamwatchConfig, store: any EventLog & Outbox, transport: any Transport, client: OpenFunnelClient,
        sink: any EventSink, options: Options = Options()
    ) throws(ConfigErrors) -> Assembly {
        // The configuration's own secrets are masked wherever text is redacted (the demo's
        // made-up receiver secret too).
        Redaction.install(Redaction.current.adding(Redactor(config: config).secretValues))
        let setup = try DeliverySetup.load(config, transport: transport)
        let dispatcher = Self.dispatcher(setup: setup, store: store, options: options)
        var watcher = Watcher(
            client: client, store: store, sink: sink, settings: WatchSettings(config: config), logger: Logger(label: "tamwatch.watch"))
        if !config.rules.isEmpty { watcher.router = setup.engine }
        watcher.redactor = Redaction.current
        watcher.deliveriesQueued = { dispatcher.wake() }
        if options.results, let dir = config.results.dir, let format = ResultFormat(rawValue: config.results.format) {
            var exporter = Exporter(client: client, clock: watcher.clock)
            exporter.giveUpAfter = config.watch.giveUpAfter
            exporter.logger = Logger(label: "tamwatch.results")
            let export = ResultsExport(exporter: exporter, directory: dir, format: format)
            watcher.exportResults = { await export($0) }
        }
        let reloader = Reloader(
            file: config.file, current: config, adjust: options.adjust, transport: transport, policy: watcher.policy,
            dispatcher: dispatcher, observe: options.reloaded)
        return Assembly(config: config, dispatcher: dispatcher, watcher: watcher, reloader: reloader)
    }
}
