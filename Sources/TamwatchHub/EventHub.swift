import Foundation
import Logging
import NIOCore
import Synchronization
import TamwatchModel
import TamwatchStore

/// Fans committed events out to the event stream's clients.
///
/// The hub tails the store's event feed (woken when the watcher commits), so clients see
/// events in commit order with their store cursor, and a client that resumes from a cursor
/// reads the gap from the store. Events read together go to a client as one item of frames,
/// built once for every client with the same filter. A client more than `bufferLimit` events
/// behind is dropped, never buffered without bound; it resumes with `Last-Event-ID`.
public final class EventHub: Sendable {
    public enum Item: Sendable {
        /// Events committed together, as the stream's frames: one write for the client, and the
        /// same bytes for every client with the same filter. `first` and `last` are the cursors
        /// of the first and last frame.
        case events(Frames)
        case ping
        case shutdown
    }

    public struct Frames: Sendable {
        public var bytes: ByteBuffer
        public var cursors: [Int64]
        /// Each frame on its own, for a client that has seen some of them already.
        public var each: [ByteBuffer]
    }

    /// One event as the stream sends it.
    public static func frame(cursor: Int64, event: Event) -> ByteBuffer {
        ByteBuffer(string: "id: \(cursor)\nevent: \(event.type.rawValue)\ndata: \(event.json.serialized())\n\n")
    }

    public struct Subscription: Sendable {
        public let id: UInt64
        public let stream: AsyncStream<Item>
        /// Every event up to this cursor was committed before the subscription: read it from
        /// the store; every later one comes through the stream.
        public let seenUpTo: Int64
        /// Signalled when the client is dropped (it stopped reading) or went away: a write
        /// blocked on it is then cancelled.
        public let gone: WakeSignal
        /// Events handed to the client and not yet written; the writer takes off what it wrote.
        public let backlog: Backlog
    }

    /// How many events a client has been handed and not yet written.
    public final class Backlog: Sendable {
        let events = Atomic<Int>(0)
        public func written(_ n: Int) { events.subtract(n, ordering: .relaxed) }
    }

    private struct Client {
        let filter: EventFilter
        let continuation: AsyncStream<Item>.Continuation
        let gone: WakeSignal
        let backlog: Backlog
    }

    private struct State {
        var clients: [UInt64: Client] = [:]
        var nextId: UInt64 = 0
        var lastCursor: Int64 = 0
        var shutDown = false
    }

    private let feed: any EventFeed
    private let state = Mutex(State())
    private let committed = WakeSignal()
    public let bufferLimit: Int
    let logger: Logger
    let clientsChanged: @Sendable (Int) -> Void

    public init(
        feed: any EventFeed, startCursor: Int64, bufferLimit: Int = 1000, logger: Logger,
        clientsChanged: @escaping @Sendable (Int) -> Void
    ) {
        self.feed = feed
        self.bufferLimit = bufferLimit
        self.logger = logger
        self.clientsChanged = clientsChanged
        state.withLock { $0.lastCursor = startCursor }
    }

    /// At most half a client's buffer per read: a client that keeps up never overflows.
    var batchSize: Int { max(1, min(500, bufferLimit / 2)) }

    /// Events were committed: read them from the store and send them on.
    public func notify() { committed.signal() }

    public var clientCount: Int { state.withLock { $0.clients.count } }

    public func subscribe(_ filter: EventFilter) -> Subscription {
        // Bounded by the backlog in events, not by the stream's count of items.
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .unbounded)
        let gone = WakeSignal()
        let backlog = Backlog()
        let (sub, count) = state.withLock { s -> (Subscription, Int) in
            s.nextId += 1
            if s.shutDown {
                continuation.yield(.shutdown)
                continuation.finish()
            } else {
                s.clients[s.nextId] = Client(filter: filter, continuation: continuation, gone: gone, backlog: backlog)
            }
            return (Subscription(id: s.nextId, stream: stream, seenUpTo: s.lastCursor, gone: gone, backlog: backlog), s.clients.count)
        }
        clientsChanged(count)
        return sub
    }

    public func unsubscribe(_ id: UInt64) {
        let (client, count) = state.withLock { s in (s.clients.removeValue(forKey: id), s.clients.count) }
        client?.continuation.finish()
        client?.gone.signal()
        clientsChanged(count)
    }

    /// Tails the feed until cancelled.
    public func run(pingEvery: Duration, clock: any WatchClock) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await clock.sleep(for: pingEvery)
                    if Task.isCancelled { break }
                    self.ping()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await self.committed.wait()
                    if Task.isCancelled { break }
                    await self.catchUp()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Reads what was committed since the last event sent, and sends it.
    func catchUp() async {
        // With no client, only the cursor moves on: no event is read or framed.
        if state.withLock({ $0.clients.isEmpty }), let newest = try? await feed.lastEventCursor() {
            let skipped = state.withLock { s -> Bool in
                guard s.clients.isEmpty else { return false }
                s.lastCursor = max(s.lastCursor, newest)
                return true
            }
            if skipped { return }
        }
        while true {
            let after = state.withLock { $0.lastCursor }
            let batch: [FeedEvent]
            do { batch = try await feed.events(after: after, limit: batchSize) } catch {
                // Stopping mid-read is no failure.
                if !Task.isCancelled { logger.error("the event stream could not read new events: \(error)") }
                return
            }
            guard !batch.isEmpty else { return }
            let frames = batch.map { (cursor: $0.cursor, event: $0.event, bytes: Self.frame(cursor: $0.cursor, event: $0.event)) }
            let dropped = state.withLock { s -> [UInt64] in
                let fresh = frames.filter { $0.cursor > s.lastCursor }
                guard let newest = fresh.last else { return [] }
                s.lastCursor = newest.cursor
                var byFilter: [String: Frames?] = [:]
                var dropped: [UInt64] = []
                for (id, client) in s.clients {
                    let key = client.filter.key
                    let item: Frames?
                    if let built = byFilter[key] {
                        item = built
                    } else {
                        let matching = fresh.filter { client.filter.matches($0.event) }
                        if matching.isEmpty {
                            item = nil
                        } else {
                            var bytes = ByteBuffer()
                            for m in matching { bytes.writeImmutableBuffer(m.bytes) }
                            item = Frames(bytes: bytes, cursors: matching.map(\.cursor), each: matching.map(\.bytes))
                        }
                        byFilter[key] = item
                    }
                    guard let item else { continue }
                    let behind = client.backlog.events.add(item.cursors.count, ordering: .relaxed).newValue
                    if behind > bufferLimit {
                        dropped.append(id)
                    } else {
                        client.continuation.yield(.events(item))
                    }
                }
                Self.drop(dropped, from: &s)
                return dropped
            }
            if !dropped.isEmpty {
                logger.warning("dropped \(dropped.count) event stream client(s) that stopped reading; they resume with Last-Event-ID")
                clientsChanged(clientCount)
            }
            if batch.count < batchSize { return }
        }
    }

    /// Tells every client the server is stopping, and refuses new ones.
    public func shutdown() {
        let clients = state.withLock { s -> [Client] in
            s.shutDown = true
            defer { s.clients.removeAll() }
            return Array(s.clients.values)
        }
        for c in clients {
            c.continuation.yield(.shutdown)
            c.continuation.finish()
        }
        clientsChanged(0)
    }

    /// Ends the streams of clients too far behind; their writes blocked on the socket end too.
    private static func drop(_ ids: [UInt64], from s: inout State) {
        for id in ids {
            guard let client = s.clients.removeValue(forKey: id) else { continue }
            client.continuation.finish()
            client.gone.signal()
        }
    }

    /// A ping to every client; it counts in the backlog like an event, so that a client that
    /// reads nothing at all is dropped in time even when no events come.
    private func ping() {
        let dropped = state.withLock { s -> Int in
            var dropped: [UInt64] = []
            for (id, client) in s.clients {
                if client.backlog.events.add(1, ordering: .relaxed).newValue > bufferLimit {
                    dropped.append(id)
                } else {
                    client.continuation.yield(.ping)
                }
            }
            Self.drop(dropped, from: &s)
            return dropped.count
        }
        if dropped > 0 { clientsChanged(clientCount) }
    }
}
