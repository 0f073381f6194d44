import Foundation
import ServiceLifecycle
import Synchronization
import TamwatchStore

/// With a shared store: hears what the other replicas commit, and wakes what should look now:
/// the dispatcher (deliveries queued, a channel's slot freed), the event streams (events
/// stored), the lease keeper (watches given back). Each of those also looks on its own every
/// so often, so a connection lost delays them, never loses anything; on reconnecting all look.
/// Without a listener (`--no-listen`), the event streams look every second.
struct ChangeListener: Service {
    let server: TamwatchServer
    let changes: (any StoreChanges)?
    let shared: SharedWatches?

    func run() async throws {
        let server = self.server
        let shared = self.shared
        let down = Mutex<Bool>(false)
        guard let changes else {
            await cancelWhenGracefulShutdown {
                while (try? await server.clock.sleep(for: .seconds(1))) != nil { server.hub.notify() }
            }
            return
        }
        await cancelWhenGracefulShutdown {
            await changes.listen(
                onChange: { change in
                    switch change {
                    case .outbox: server.dispatcher.wake()
                    case .feed: server.hub.notify()
                    case .release: shared?.wakeUp.signal()
                    }
                },
                onState: { up, why in
                    let was = down.withLock { d in
                        defer { d = !up }
                        return d
                    }
                    if up, was {
                        server.logger.notice("listening for the other replicas' changes again")
                    } else if !up, !was {
                        server.logger.warning(
                            "lost the connection that hears the other replicas' changes (\(why ?? "?")); reconnecting, and looking every second meanwhile"
                        )
                    }
                })
        }
    }
}
