import Foundation
import Logging
import Synchronization
import TamwatchConfig
import TamwatchDelivery
import TamwatchHub
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore
import TamwatchWatch

/// `tamwatch serve`: one watcher for every active watch, the dispatcher, and the HTTP API, the
/// event stream, metrics and the status page over them, on one store and one transport.
public final class TamwatchServer: Sendable {
    let store: any StateStore
    let client: OpenFunnelClient
    let watcher: Watcher
    let dispatcher: Dispatcher
    let options: ServeOptions
    let metrics: ServeMetrics
    let auth: Auth
    let policy: RequestPolicy
    let board = WatchBoard()
    let control: WatchControl
    let hub: EventHub
    let clock: any WatchClock
    let logger: Logger
    let startedAt: Date
    let readiness = Readiness()
    /// The store's part of readiness, with a deadline.
    let storeProbe: StoreProbe
    /// Every open connection, at most `options.maxConnections`.
    let connections: ConnectionLimiter

    /// `watcher` is configured as for `watch` (rules, settings, `deliveriesQueued`); the server
    /// gives it its sink and metrics. `metrics` is the one the dispatcher reports attempts to.
    public init(
        store: any StateStore, client: OpenFunnelClient, watcher: Watcher, dispatcher: Dispatcher, metrics: ServeMetrics,
        options: ServeOptions, clock: any WatchClock = SystemClock(), logger: Logger = Logger(label: "tamwatch.serve")
    ) async throws(StoreError) {
        self.store = store
        self.client = client
        self.dispatcher = dispatcher
        self.options = options
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        storeProbe = StoreProbe {
            do {
                try await store.checkWritable()
                return nil
            } catch { return "the state store is not writable: \(error)" }
        }
        auth = Auth(tokens: options.tokens, secureCookie: options.externalURL.flatMap(WebOrigin.init)?.scheme == "https")
        connections = ConnectionLimiter(
            limit: options.maxConnections ?? ConnectionLimiter.defaultLimit(descriptors: ConnectionLimiter.raiseDescriptorLimit()))
        policy = RequestPolicy(listen: options.listen, externalURL: options.externalURL, allowedOrigins: options.allowedOrigins)
        startedAt = clock.now()
        hub = EventHub(
            feed: store, startCursor: try await store.lastEventCursor(), bufferLimit: options.streamBuffer, logger: logger,
            clientsChanged: { [metrics] n in metrics.sseClients.record(n) })
        let board = self.board
        let store = self.store
        let logger = self.logger
        let shared = options.shared
        let retry = WatchRetry(store: store, clock: clock, logger: logger)
        control = WatchControl { jobId, result in
            shared?.drop(jobId)
            await Self.ended(jobId, result, store: store, board: board, clock: clock, logger: logger)
            // A store failure (a full disk) ends one turn, not the watch: it is taken up again,
            // from its last stored state, once the store may take writes. With replicas the
            // lease keeper takes it up instead.
            if case .failure(let error) = result, error.kind != .fenced, shared == nil { retry.schedule(jobId) }
        }
        let made = control
        retry.control.withLock { $0 = made }
        var watcher = watcher
        watcher.sink = ServeSink(hub: hub, board: board, metrics: metrics, clock: clock)
        watcher.onPoll = { [metrics] result, duration in metrics.polled(result, duration) }
        self.watcher = watcher
    }

    /// Every watch, loaded onto the board; returns the active ones, to resume.
    func loadWatches() async throws(StoreError) -> [WatchRecord] {
        var active: [WatchRecord] = []
        var before: Int64?
        while true {
            let page = try await store.watches(WatchQuery(before: before, limit: 500))
            board.load(page)
            active += page.filter(\.active)
            guard page.count == 500, let last = page.last else { break }
            before = last.cursor
        }
        return active.reversed()
    }

    /// A watch ended: terminal, unwatchable, or stopped; a terminal or unwatchable one is no
    /// longer active, and says why where it could not be watched.
    static func ended(
        _ jobId: String, _ result: Result<WatchOutcome, StoreError>, store: any StateStore, board: WatchBoard,
        clock: any WatchClock, logger: Logger
    ) async {
        switch result {
        case .success(.interrupted):
            return
        case .success(let outcome):
            var error: String?
            if case .unwatchable(let kind) = outcome {
                let last = try? await store.events(jobId: jobId).last { $0.type == .watchError }
                error = last?.data["message"]?.stringValue ?? "cannot be watched (\(kind))"
            }
            do {
                try await store.finishWatch(jobId: jobId, error: error, at: clock.now())
                logger.info("job \(jobId): the watch ended: \(error ?? "\(outcome)")")
            } catch {
                logger.error("job \(jobId): its end could not be stored: \(error)")
            }
        case .failure(let error) where error.kind == .fenced:
            logger.info("job \(jobId): another replica holds its watch now; this one stored nothing more of it")
        case .failure(let error):
            logger.error("job \(jobId): the state store failed (\(error)); watching it again once the store takes writes")
        }
    }
}
