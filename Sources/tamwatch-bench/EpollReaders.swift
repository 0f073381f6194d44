import Foundation
import Synchronization
import TamwatchModel
import TamwatchTesting

@_silgen_name("epoll_create1") func c_epoll_create1(_ flags: Int32) -> Int32
@_silgen_name("epoll_ctl") func c_epoll_ctl(_ epfd: Int32, _ op: Int32, _ fd: Int32, _ event: UnsafeMutableRawPointer) -> Int32
@_silgen_name("memmem") func memmem(_ haystack: UnsafeRawPointer, _ length: Int, _ needle: UnsafeRawPointer, _ needleLength: Int)
    -> UnsafeMutableRawPointer?
@_silgen_name("epoll_wait") func c_epoll_wait(_ epfd: Int32, _ events: UnsafeMutableRawPointer, _ max: Int32, _ timeout: Int32) -> Int32

/// Many event stream connections read by a few threads with epoll (a thread per client would cost
/// the machine more than the server it measures). Records, per event and client, the time from
/// the event's `occurred_at` to its arrival; ends once every client has seen `job.terminal`.
///
/// The reading is kept cheap so that it measures the server, not itself: the arrival time is
/// taken when epoll reports the socket readable, each message is found with `memmem`, and the
/// timestamp's time of day is read digit by digit.
final class EpollReaders: @unchecked Sendable {
    private var fds: [Int32] = []
    private(set) var latencies: [Double] = []
    private(set) var eventsPerClient: [Int32: Int] = [:]

    init(port: Int, count: Int, path: String) throws {
        for _ in 0..<count {
            let fd = try connectLoopback(port: port)
            let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
            _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            fds.append(fd)
        }
    }

    deinit { for fd in fds { close(fd) } }

    /// Reads until every client saw `job.terminal` or the timeout passes, on `threads` threads,
    /// each with its share of the sockets.
    func run(timeout: TimeInterval, threads: Int) {
        let size = max(1, (fds.count + threads - 1) / threads)
        let shares = stride(from: 0, to: fds.count, by: size).map { Array(fds[$0..<min(fds.count, $0 + size)]) }
        let results = Mutex<[(latencies: [Double], events: [Int32: Int])]>([])
        let group = DispatchGroup()
        for share in shares {
            group.enter()
            Thread {
                let r = Self.read(share, timeout: timeout)
                results.withLock { $0.append(r) }
                group.leave()
            }.start()
        }
        group.wait()
        for r in results.withLock({ $0 }) {
            latencies += r.latencies
            eventsPerClient.merge(r.events) { a, _ in a }
        }
    }

    /// Seconds since midnight UTC, now.
    private static func secondsOfDay() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec % 86400) + Double(ts.tv_nsec) / 1e9
    }

    /// `HH:MM:SS.mmm` of `2026-11-30T11:19:08.634Z` at `p` (which points at its first digit), as
    /// seconds since midnight.
    private static func timeOfDay(_ p: UnsafePointer<UInt8>) -> Double {
        func digits(_ at: Int, _ n: Int) -> Int {
            var v = 0
            for i in 0..<n { v = v * 10 + Int(p[at + i] &- 48) }
            return v
        }
        return Double(digits(11, 2) * 3600 + digits(14, 2) * 60 + digits(17, 2)) + Double(digits(20, 3)) / 1000
    }

    private static func read(_ fds: [Int32], timeout: TimeInterval) -> (latencies: [Double], events: [Int32: Int]) {
        var latencies: [Double] = []
        latencies.reserveCapacity(fds.count * 64)
        // epoll: a wait costs what is ready, not what is open. `struct epoll_event` is packed:
        // 4 bytes of events, 8 of data (here the index of the socket in `fds`).
        let ep = c_epoll_create1(0)
        defer { close(ep) }
        var registration = [UInt8](repeating: 0, count: 12)
        for (i, fd) in fds.enumerated() {
            registration.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: UInt32(1), toByteOffset: 0, as: UInt32.self)  // EPOLLIN
                raw.storeBytes(of: UInt64(i), toByteOffset: 4, as: UInt64.self)
                _ = c_epoll_ctl(ep, 1, fd, raw.baseAddress!)  // EPOLL_CTL_ADD
            }
        }
        var ready = [UInt8](repeating: 0, count: 12 * 256)
        // Per socket: bytes not yet part of a whole message, and the events seen.
        var pending = [[UInt8]](repeating: [], count: fds.count)
        var seen = [Int](repeating: 0, count: fds.count)
        var finished = [Bool](repeating: false, count: fds.count)
        var finishedCount = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        let marker = Array(#""occurred_at":""#.utf8)
        let terminal = Array("event: job.terminal".utf8)
        let blank: [UInt8] = [10, 10]
        let deadline = Date().addingTimeInterval(timeout)
        while finishedCount < fds.count && Date() < deadline {
            let n = ready.withUnsafeMutableBytes { c_epoll_wait(ep, $0.baseAddress!, 256, 100) }
            guard n > 0 else { continue }
            let now = secondsOfDay()
            for r in 0..<Int(n) {
                let index = ready.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: r * 12 + 4, as: UInt64.self)) }
                while true {
                    let got = buffer.withUnsafeMutableBytes { recv(fds[index], $0.baseAddress, 65536, 0) }
                    if got <= 0 { break }
                    pending[index].append(contentsOf: buffer[0..<got])
                }
                // Whole messages end with a blank line.
                let consumed = pending[index].withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    var start = 0
                    while start < raw.count,
                        let end = memmem(base + start, raw.count - start, blank, 2).map({ UnsafeRawPointer($0) - base })
                    {
                        let block = base + start
                        let length = end - start
                        if let hit = memmem(block, length, marker, marker.count) {
                            let stamp = (hit + marker.count).assumingMemoryBound(to: UInt8.self)
                            if stamp + 24 <= (base + end).assumingMemoryBound(to: UInt8.self) {
                                latencies.append((now - timeOfDay(stamp)) * 1000)
                                seen[index] += 1
                            }
                            if memmem(block, min(length, 64), terminal, terminal.count) != nil, !finished[index] {
                                finished[index] = true
                                finishedCount += 1
                            }
                        }
                        start = end + 2
                    }
                    return start
                }
                if consumed > 0 { pending[index].removeFirst(consumed) }
            }
        }
        var events: [Int32: Int] = [:]
        for (i, fd) in fds.enumerated() { events[fd] = seen[i] }
        return (latencies, events)
    }
}
