import Foundation
import Synchronization

/// A TCP forwarder for network tests: listens on `address` (a port the kernel picks), connects
/// each client to `target` on loopback, and passes the bytes on both ways, each `delay` late
/// (a slow link without `netem`). Counts the bytes clients sent, so a test can see a client
/// go quiet. Plain sockets and a thread per direction and stage: test traffic, not load.
public final class TCPForwarder: Sendable {
    public let address: String
    public let port: Int
    let target: Int
    let delay: Duration
    private let listener: Int32
    private let state = Mutex(State())
    private let done = DispatchGroup()

    struct State {
        var sockets: Set<Int32> = []
        var stopped = false
        var fromClients = 0
    }

    public init(listenOn address: String, to target: Int, delay: Duration = .zero) throws {
        self.address = address
        self.target = target
        self.delay = delay
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TestNetworkError(description: "socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, address, &addr.sin_addr)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(listener, 64) == 0 else {
            let why = String(cString: strerror(errno))
            close(listener)
            throw TestNetworkError(description: "cannot listen on \(address): \(why)")
        }
        var got = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &got) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: got.sin_port))
        self.listener = listener
        spawn { self.acceptLoop() }
    }

    /// Bytes clients sent through so far.
    public var bytesFromClients: Int { state.withLock { $0.fromClients } }

    /// Closes the listener and every connection, and waits for their threads.
    public func stop() {
        let open = state.withLock { s -> Set<Int32> in
            s.stopped = true
            return s.sockets
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        done.wait()
        close(listener)
        for fd in open { close(fd) }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        done.enter()
        let thread = Thread {
            body()
            self.done.leave()
        }
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                // Only stopping ends the loop: a connection reset or aborted while it waited
                // (a link cut mid-handshake) is no reason to stop accepting.
                if state.withLock({ $0.stopped }) { return }
                if errno != EINTR && errno != ECONNABORTED { usleep(10_000) }
                continue
            }
            let upstream = connectTarget()
            let admitted = state.withLock { s -> Bool in
                guard !s.stopped, upstream >= 0 else { return false }
                s.sockets.formUnion([client, upstream])
                return true
            }
            guard admitted else {
                close(client)
                if upstream >= 0 { close(upstream) }
                continue
            }
            pipe(from: client, to: upstream, counting: true)
            pipe(from: upstream, to: client, counting: false)
        }
    }

    private func connectTarget() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(target).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    /// One direction: a reader stamps each chunk, a writer sends it once `delay` has passed.
    private func pipe(from source: Int32, to sink: Int32, counting: Bool) {
        let queue = ChunkQueue()
        spawn {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(source, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                if counting { self.state.withLock { $0.fromClients += n } }
                queue.put(Array(buffer[0..<n]), due: ContinuousClock.now + self.delay)
            }
            queue.put(nil, due: ContinuousClock.now + self.delay)
        }
        spawn {
            while let (chunk, due) = queue.take() {
                let wait = due - ContinuousClock.now
                if wait > .zero {
                    Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
                }
                guard let chunk else {
                    shutdown(sink, Int32(SHUT_WR))
                    return
                }
                var sent = 0
                while sent < chunk.count {
                    let n = chunk[sent...].withUnsafeBytes { send(sink, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        shutdown(source, Int32(SHUT_RDWR))
                        return
                    }
                    sent += n
                }
            }
        }
    }
}

/// Chunks in arrival order, each with when it may go on; nil is the end of the stream.
private final class ChunkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [([UInt8]?, ContinuousClock.Instant)] = []
    private var ended = false

    func put(_ chunk: [UInt8]?, due: ContinuousClock.Instant) {
        condition.lock()
        items.append((chunk, due))
        condition.signal()
        condition.unlock()
    }

    /// The next chunk; nil after the end went out.
    func take() -> ([UInt8]?, ContinuousClock.Instant)? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty {
            if ended { return nil }
            condition.wait()
        }
        let item = items.removeFirst()
        if item.0 == nil { ended = true }
        return item
    }
}
