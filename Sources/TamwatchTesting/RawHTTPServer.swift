import Foundation
import Synchronization

/// A tiny loopback HTTP/1.1 server on raw sockets, for answers no real server gives on purpose:
/// redirects, silence until the client times out, a connection closed mid-response.
public final class RawHTTPServer: Sendable {
    public enum Behaviour: Sendable {
        case respond(String)  // raw response bytes (status line, headers, body)
        case silent  // read the request, never answer
        case hangUp  // read the request, close the connection
        case script(@Sendable (Int) -> Behaviour)  // per request number (0, 1, ...)
        indirect case after(milliseconds: Int, Behaviour)  // wait (real time: this is the far side), then behave
        indirect case gated(Gate, Behaviour)  // hold the answer until the test opens the gate, then behave
    }

    /// Holds a server's answers until the test opens it (once; every held answer goes then).
    public final class Gate: Sendable {
        private let group = DispatchGroup()
        private let isOpen = Atomic<Bool>(false)

        public init() { group.enter() }

        public func open() {
            if !isOpen.exchange(true, ordering: .sequentiallyConsistent) { group.leave() }
        }

        func wait() { group.wait() }
    }

    public let port: Int
    private let fd: Int32
    private let behaviour: Behaviour
    private let requestCount = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    private let held = Mutex<[Int32]>([])
    private let captured = Mutex<[String]>([])
    private let active = Mutex((now: 0, most: 0))
    /// Signalled by every request received and every answer sent: what tests wait on (several
    /// servers may share one).
    public let changes: Changes

    public init(_ behaviour: Behaviour, changes: Changes = Changes()) throws {
        self.behaviour = behaviour
        self.changes = changes
        let (fd, port) = try bindLoopback()
        guard listen(fd, 64) == 0 else { Glibc.close(fd); throw POSIXError(.EADDRINUSE) }
        self.fd = fd
        self.port = port
        let thread = Thread { [self] in self.acceptLoop() }
        thread.start()
    }

    public var requests: Int { requestCount.load(ordering: .relaxed) }

    /// The most requests this server was answering at one moment.
    public var mostConcurrent: Int { active.withLock { $0.most } }

    /// Every request received, head and body, in arrival order.
    public var requestTexts: [String] { captured.withLock { $0 } }

    /// A response with a status, optional headers and no body.
    public static func status(_ code: Int, headers: [String] = []) -> Behaviour {
        .respond((["HTTP/1.1 \(code) X", "Content-Length: 0"] + headers).joined(separator: "\r\n") + "\r\n\r\n")
    }

    /// Stops listening. The accept thread closes the socket itself once it has woken up, so the
    /// descriptor cannot be reused by another server while a stale thread still accepts on it.
    public func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        shutdown(fd, Int32(SHUT_RDWR))
        for c in held.withLock({ $0 }) { Glibc.close(c) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 || closed.load(ordering: .sequentiallyConsistent) {
                if client >= 0 { Glibc.close(client) }
                Glibc.close(fd)
                return
            }
            Thread { [self] in self.serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var request = [UInt8]()
        while true {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { Glibc.close(client); return }
            request += buffer[0..<n]
            guard let text = String(bytes: request, encoding: .utf8), let end = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<end.lowerBound].lowercased()
            let length =
                head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            guard text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length else { continue }
            let number = requestCount.add(1, ordering: .relaxed).oldValue
            captured.withLock { $0.append(text) }
            changes.signal()
            request.removeAll()
            var behaviour = self.behaviour
            if case .script(let pick) = behaviour { behaviour = pick(number) }
            if case .after(let ms, let then) = behaviour {
                active.withLock {
                    $0.now += 1; $0.most = max($0.most, $0.now)
                }
                usleep(useconds_t(ms * 1000))
                active.withLock { $0.now -= 1 }
                behaviour = then
            }
            if case .gated(let gate, let then) = behaviour {
                gate.wait()
                behaviour = then
            }
            switch behaviour {
            case .respond(let raw):
                let bytes = Array(raw.utf8)
                _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, bytes.count) }
                changes.signal()
            case .silent:
                held.withLock { $0.append(client) }
                return
            case .hangUp, .script, .after, .gated:
                Glibc.close(client)
                return
            }
        }
    }
}
