import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The connections of one server, at most `limit` at once. A connection is idle from the moment
/// it opens until a whole request head has arrived, and again after each response: a client
/// that sends nothing, or a header a byte at a time (slowloris), stays idle. When a new
/// connection would go past the limit, the connection idle the longest is closed to make room
/// (the new one, when every other is busy), so a flood of silent connections cannot keep
/// `/-/healthy` or a real client out, and the process never runs out of descriptors.
final class ConnectionLimiter: Sendable {
    let limit: Int
    private struct Entry {
        let channel: any Channel
        /// Since when it has been idle; nil while a request is in progress.
        var idleSince: ContinuousClock.Instant?
    }
    private struct State {
        var next = 0
        var open: [Int: Entry] = [:]
        var evicted = 0
    }
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { state.withLock { $0.open.count } }
    /// Connections closed to make room for newer ones, since the start.
    var evicted: Int { state.withLock { $0.evicted } }

    /// Registers a new connection; returns its id. Past the limit it closes the longest-idle one.
    func opened(_ channel: any Channel, now: ContinuousClock.Instant = .now) -> Int {
        let (id, victim) = state.withLock { s -> (Int, (any Channel)?) in
            let id = s.next
            s.next += 1
            s.open[id] = Entry(channel: channel, idleSince: now)
            guard s.open.count > limit else { return (id, nil) }
            let oldest = s.open.filter { $0.key != id && $0.value.idleSince != nil }.min { $0.value.idleSince! < $1.value.idleSince! }
            let victimId = oldest?.key ?? id
            let victim = s.open.removeValue(forKey: victimId)
            s.evicted += 1
            return (id, victim?.channel)
        }
        victim?.close(promise: nil)
        return id
    }

    func busy(_ id: Int) { state.withLock { s in s.open[id]?.idleSince = nil } }
    func idle(_ id: Int, now: ContinuousClock.Instant = .now) { state.withLock { s in s.open[id]?.idleSince = now } }
    func closed(_ id: Int) { _ = state.withLock { s in s.open.removeValue(forKey: id) } }

    /// The default limit: three quarters of the descriptors left after a reserve for the state
    /// store, outgoing transfers and the process's own files, at most 4,096.
    static func defaultLimit(descriptors: Int) -> Int { max(8, min(4096, (descriptors - 64) * 3 / 4)) }

    /// Raises the soft descriptor limit to the hard one (as Go's runtime does) and returns it.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}

/// One connection's deadlines, on its event loop: its first request head (and each next one on
/// a kept-alive connection) within `idleTimeout`, a request's body within `bodyTimeout`. While a
/// response is being written, as an event stream's is for as long as it lasts, there is none.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limiter: ConnectionLimiter
    private let idleTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var id: Int?
    private var inProgress = 0
    private var deadline: Scheduled<Void>?

    init(limiter: ConnectionLimiter, idleTimeout: Duration, bodyTimeout: Duration) {
        self.limiter = limiter
        self.idleTimeout = TimeAmount(idleTimeout)
        self.bodyTimeout = TimeAmount(bodyTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        id = limiter.opened(context.channel)
        arm(context, idleTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            inProgress += 1
            if let id { limiter.busy(id) }
            arm(context, bodyTimeout)
        case .end:
            disarm()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inProgress = max(0, inProgress - 1)
            if inProgress == 0 {
                if let id { limiter.idle(id) }
                arm(context, idleTimeout)
            }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ after: TimeAmount) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: after) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    private func release() {
        disarm()
        if let id { limiter.closed(id) }
        id = nil
    }
}
