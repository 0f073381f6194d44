import ServiceLifecycle

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
