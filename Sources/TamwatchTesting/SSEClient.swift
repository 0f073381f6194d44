import Foundation
import Synchronization
import TamwatchModel

/// An event stream client on a raw socket (HTTP/1.1, one GET), parsing Server-Sent Events as a
/// browser does. It reads on a thread of its own, unless told not to (`reading: false`): a
/// client that stops reading, for the tests of a slow client.
public final class SSEClient: Sendable {
    public struct Message: Sendable, Equatable {
        public var id: String?
        public var event: String?
        public var data: String
        /// When the message's last byte was read (wall clock), for latency figures.
        public var receivedAt = Date()
    }

    private struct State {
        var head = ""
        var status: Int?
        var messages: [Message] = []
        var comments: [String] = []
        var retry: Int?
        var ended = false
    }

    private let fd: Int32
    private let state = Mutex(State())
    private let changed = WakeSignal()
    private let closed = Atomic<Bool>(false)

    public init(port: Int, path: String, headers: [String] = [], receiveBuffer: Int32? = nil, reading: Bool = true) throws {
        fd = try connectLoopback(port: port, receiveBuffer: receiveBuffer)
        let request =
            (["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Accept: text/event-stream"] + headers).joined(separator: "\r\n")
            + "\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        if reading { start() }
    }

    /// Starts reading (for a client created with `reading: false`).
    public func start() {
        let thread = Thread { [self] in self.readLoop() }
        thread.start()
    }

    public var status: Int? { state.withLock { $0.status } }
    public var messages: [Message] { state.withLock { $0.messages } }
    public var comments: [String] { state.withLock { $0.comments } }
    public var retry: Int? { state.withLock { $0.retry } }
    /// The server closed the stream.
    public var ended: Bool { state.withLock { $0.ended } }

    /// Messages other than `shutdown`.
    public var events: [Message] { messages.filter { $0.event != "shutdown" } }

    /// Waits until `condition` holds, the stream ends, or the timeout passes; returns whether it holds.
    @discardableResult
    public func wait(timeout: Duration = .seconds(30), _ condition: @escaping @Sendable (SSEClient) -> Bool) async -> Bool {
        let clock = SystemClock()
        let deadline = clock.uptime() + timeout
        while !condition(self) && !ended && clock.uptime() < deadline {
            await changed.wait(until: deadline, clock: clock)
        }
        return condition(self)
    }

    public func close() {
        guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
    }

    deinit {
        close()
        // The reading thread, if any, has returned once shutdown woke it; the descriptor is ours.
        Glibc.close(fd)
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 16384)
        var pending = Data()
        var inBody = false
        var chunked = false
        var body = Data()
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            if !inBody {
                guard let end = pending.range(of: Data("\r\n\r\n".utf8)) else { continue }
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                chunked = head.lowercased().contains("transfer-encoding: chunked")
                let status = Int(head.split(separator: " ").dropFirst().first ?? "")
                state.withLock {
                    $0.head = head
                    $0.status = status
                }
                pending = Data(pending[end.upperBound...])
                inBody = true
                changed.signal()
            }
            if chunked {
                // Chunk sizes, then the chunk: keep only the chunks' bytes.
                while let line = pending.range(of: Data("\r\n".utf8)) {
                    let sizeText = String(decoding: pending[..<line.lowerBound], as: UTF8.self)
                    guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else { break }
                    let start = line.upperBound
                    guard pending.count - (start - pending.startIndex) >= size + 2 else { break }
                    body.append(pending[start..<(start + size)])
                    pending = Data(pending[(start + size + 2)...])
                    if size == 0 { break }
                }
            } else {
                body.append(pending)
                pending = Data()
            }
            parse(&body)
        }
        state.withLock { $0.ended = true }
        changed.signal()
    }

    /// Takes every complete message (ended by a blank line) off the front of `body`.
    private func parse(_ body: inout Data) {
        var found = false
        while let end = body.range(of: Data("\n\n".utf8)) {
            let block = String(decoding: body[..<end.lowerBound], as: UTF8.self)
            body = Data(body[end.upperBound...])
            var message = Message(id: nil, event: nil, data: "", receivedAt: Date())
            var dataLines: [String] = []
            var comment: String?
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix(":") { comment = String(line.dropFirst()).trimmingCharacters(in: .whitespaces); continue }
                let (field, value) =
                    line.firstIndex(of: ":").map {
                        (String(line[..<$0]), String(line[line.index(after: $0)...]).drop { $0 == " " })
                    } ?? (String(line), "")
                switch field {
                case "id": message.id = String(value)
                case "event": message.event = String(value)
                case "data": dataLines.append(String(value))
                case "retry": state.withLock { $0.retry = Int(value) }
                default: break
                }
            }
            message.data = dataLines.joined(separator: "\n")
            state.withLock { s in
                if !dataLines.isEmpty { s.messages.append(message) } else if let comment { s.comments.append(comment) }
            }
            found = true
        }
        if found { changed.signal() }
    }
}
