import ServiceLifecycle

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
