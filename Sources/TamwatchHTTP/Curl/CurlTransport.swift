import CCurl
import CCurlShims
import Foundation
import Synchronization

/// Drives every transfer of the process on one libcurl multi handle, on one thread of its own.
///
/// Callers `await` a response; requests cross to the loop thread through a locked queue and
/// `curl_multi_wakeup`, and every libcurl handle stays confined to that thread. Connections are
/// kept in the multi handle's cache and reused across requests.
///
/// Its owner calls `shutdown()` when done (transfers still running fail with `.shutDown`); a
/// transport dropped without it shuts down on `deinit`, so no loop thread outlives its transport.
public final class CurlTransport: Transport, Sendable {
    private let engine: Engine

    /// - Parameter maxConnectionsPerHost: connections libcurl opens to one host; transfers past
    ///   twice this wait their turn in order. 0: no cap on either.
    public convenience init(maxConnectionsPerHost: Int = 64) {
        self.init(maxConnectionsPerHost: maxConnectionsPerHost, threadName: "tamwatch-curl")
    }

    /// `threadName` lets a test find this transport's loop thread among the process's threads.
    init(maxConnectionsPerHost: Int, threadName: String) {
        engine = Engine(maxConnectionsPerHost: max(0, maxConnectionsPerHost))
        let engine = self.engine
        let thread = Thread {
            // Named from inside: the system's thread name (ps, /proc) is only set for the caller.
            tw_set_thread_name(String(threadName.prefix(15)))
            engine.runLoop()
        }
        thread.name = threadName
        thread.start()
    }

    deinit { engine.stop() }

    /// Counters for benchmarks and tests: requests finished, connections opened, and how many
    /// transfers are with libcurl and waiting for a slot right now.
    public var statistics: TransportStats { engine.stats.withLock { $0 } }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        try await engine.send(Outgoing(request))
    }

    public func send(_ mail: MailRequest) async throws(TransportError) -> MailReceipt {
        MailReceipt(reply: try await engine.send(Outgoing(mail)).status)
    }

    /// Stops the loop thread after failing whatever is still in flight or queued. Returns at
    /// once; the thread exits as soon as it wakes.
    public func shutdown() { engine.stop() }
}
