import Logging
import ServiceLifecycle
import Synchronization
import TamwatchModel
import TamwatchStore

/// With a shared store: hears what the other replicas commit, and wakes what should look now:
/// the dispatcher (deliveries queued, a channel's slot freed), the event streams (events
/// stored), the lease keeper (watches given back). Each of those also looks on its own every
/// so often, so a connection lost delays them, never loses anything; on reconnecting all look.
/// Without a listener (`--no-listen`), the event streams look every second.
public struct ChangeListener: Service {
    /// What each kind of change wakes.
    public struct Wakes: Sendable {
        public var outbox: @Sendable () -> Void
        public var feed: @Sendable () -> Void
        public var release: @Sendable () -> Void

        public init(
            outbox: @escaping @Sendable () -> Void, feed: @escaping @Sendable () -> Void, release: @escaping @Sendable () -> Void
        ) {
            self.outbox = outbox
            self.feed = feed
            self.release = release
        }
    }

    let changes: (any StoreChanges)?
    let wakes: Wakes
    let clock: any WatchClock
    let logger: Logger

    public init(changes: (any StoreChanges)?, wakes: Wakes, clock: any WatchClock, logger: Logger) {
        self.changes = changes
        self.wakes = wakes
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let wakes = self.wakes
        let clock = self.clock
        let logger = self.logger
        // Down since the last report; heard from at least once.
        let state = Mutex<(down: Bool, heard: Bool)>((false, false))
        guard let changes else {
            await cancelWhenGracefulShutdown {
                while (try? await clock.sleep(for: .seconds(1))) != nil { wakes.feed() }
            }
            return
        }
        await cancelWhenGracefulShutdown {
            await changes.listen(
                onChange: { change in
                    switch change {
                    case .outbox: wakes.outbox()
                    case .feed: wakes.feed()
                    case .release: wakes.release()
                    }
                },
                onState: { up, why in
                    let (was, heard) = state.withLock { s in
                        defer { s = (!up, s.heard || up) }
                        return s
                    }
                    if up, was {
                        logger.notice("listening for the other replicas' changes again")
                    } else if up, !heard {
                        logger.info("listening for the other replicas' changes")
                    } else if !up, !was {
                        logger.warning(
                            "lost the connection that hears the other replicas' changes (\(why ?? "?")); reconnecting, and looking every second meanwhile"
                        )
                    }
                })
        }
    }
}
