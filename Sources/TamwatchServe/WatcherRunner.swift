import ServiceLifecycle
import TamwatchWatch

/// The watcher, taking new watches from the API, until a shutdown.
struct WatcherRunner: Service {
    let server: TamwatchServer
    let resume: [WatchRequest]

    func run() async throws {
        let server = self.server
        let resume = self.resume
        await cancelWhenGracefulShutdown {
            server.readiness.set(watcher: true)
            await withDiscardingTaskGroup { group in
                if let floor = server.options.minBalance {
                    group.addTask {
                        let board = server.board
                        do { try await server.watcher.watchBalance(threshold: floor, active: { board.anyRunning }) } catch {
                            server.logger.error("the credit balance check stopped: \(error)")
                        }
                    }
                }
                await server.watcher.run(control: server.control, resume: resume)
                group.cancelAll()
            }
            server.readiness.set(watcher: false)
        }
    }
}
