import CCurl
import CCurlShims
import Foundation
import Synchronization

/// The multi handle, the queue and the loop; shared by the transport and its thread.
final class Engine: Sendable {
    private struct Shared: ~Copyable {
        var pending: [Transfer] = []
        var cancelled: Set<UInt64> = []
        var stopping = false
        /// Set by the loop just before `curl_multi_cleanup`: no wakeup may touch the handle after.
        var closed = false
    }

    // The multi handle is used only on the loop thread, except for curl_multi_wakeup, which
    // libcurl documents as callable from any thread; `wakeup()` never calls it once closed.
    nonisolated(unsafe) private let multi: UnsafeMutableRawPointer
    private let shared = Mutex(Shared())
    private let nextID = Atomic<UInt64>(1)
    /// True while the loop thread waits in curl_multi_poll: only then does a request need a wakeup.
    private let waiting = Atomic<Bool>(false)
    let stats = Mutex(TransportStats())
    /// At most this many transfers are handed to libcurl at once; the rest queue in order.
    private let maxInFlight: Int

    private static let globalInit: CURLcode = curl_global_init(tw_global_default())

    init(maxConnectionsPerHost: Int) {
        _ = Self.globalInit
        guard let m = curl_multi_init() else {
            // curl_multi_init fails only when out of memory.
            preconditionFailure("curl_multi_init returned NULL")
        }
        multi = m
        maxInFlight = maxConnectionsPerHost == 0 ? Int.max : maxConnectionsPerHost * 2
        _ = tw_multi_setopt_long(m, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        _ = tw_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, max(maxConnectionsPerHost * 2, 16))
    }

    func send(_ request: Outgoing) async throws(TransportError) -> HTTPResponse {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        // Created before the cancellation handler: a cancel that comes before the transfer
        // reaches the queue is still seen when the loop takes it.
        let flag = CancelFlag()
        let result: Result<HTTPResponse, TransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) in
                let transfer = Transfer(id: id, request: request, flag: flag, continuation: continuation)
                let accepted = shared.withLock { state -> Bool in
                    if state.stopping { return false }
                    state.pending.append(transfer)
                    return true
                }
                if accepted {
                    if waiting.exchange(false, ordering: .sequentiallyConsistent) { wakeup() }
                } else {
                    continuation.resume(returning: .failure(.shutDown))
                }
            }
        } onCancel: {
            flag.cancel()
            shared.withLock { _ = $0.cancelled.insert(id) }
            wakeup()
        }
        return try result.get()
    }

    func stop() {
        shared.withLock { $0.stopping = true }
        wakeup()
    }

    /// Wakes the loop unless it has already cleaned up the multi handle.
    private func wakeup() {
        shared.withLock { state in
            if !state.closed { _ = curl_multi_wakeup(multi) }
        }
    }

    // MARK: - Loop thread

    func runLoop() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        var idle: [UnsafeMutableRawPointer] = []
        // Transfers past `maxInFlight` wait here, not inside libcurl, so a burst of a thousand
        // polls holds a thousand small records instead of a thousand easy handles and buffers.
        var queue: [Transfer?] = []
        var queueHead = 0
        var running: Int32 = 0

        func recycle(_ easy: UnsafeMutableRawPointer) {
            curl_easy_reset(easy)
            if idle.count < min(maxInFlight, 256) { idle.append(easy) } else { curl_easy_cleanup(easy) }
        }

        while true {
            let (incoming, cancelled, stopping) = shared.withLock { state in
                let taken = (state.pending, state.cancelled, state.stopping)
                state.pending.removeAll(keepingCapacity: true)
                state.cancelled.removeAll(keepingCapacity: true)
                return taken
            }
            queue.append(contentsOf: incoming)
            if !cancelled.isEmpty || stopping {
                for i in queueHead..<queue.count {
                    guard let transfer = queue[i], stopping || cancelled.contains(transfer.id) else { continue }
                    transfer.finish(.failure(stopping ? .shutDown : .cancelled))
                    queue[i] = nil
                }
                for (easy, transfer) in active where stopping || cancelled.contains(transfer.id) {
                    _ = curl_multi_remove_handle(multi, easy)
                    active[easy] = nil
                    transfer.finish(.failure(stopping ? .shutDown : .cancelled))
                    recycle(easy)
                }
                if stopping { queue.removeAll(); queueHead = 0 }
            }
            while active.count < maxInFlight, queueHead < queue.count {
                let next = queue[queueHead]
                queue[queueHead] = nil
                queueHead += 1
                guard let transfer = next, !transfer.isFinished else { continue }
                if transfer.flag.isCancelled {
                    transfer.finish(.failure(.cancelled))
                    continue
                }
                guard let easy = idle.popLast() ?? curl_easy_init() else {
                    transfer.finish(.failure(.other(code: -1, message: "curl_easy_init failed (out of memory)")))
                    continue
                }
                if let error = transfer.configure(easy) {
                    recycle(easy)
                    transfer.finish(.failure(error))
                    continue
                }
                let added = curl_multi_add_handle(multi, easy)
                guard added == CURLM_OK else {
                    recycle(easy)
                    transfer.finish(
                        .failure(
                            .other(
                                code: Int(added.rawValue),
                                message: "curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(added)))")))
                    continue
                }
                active[easy] = transfer
            }
            if queueHead == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            } else if queueHead > 4096 {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            let (inFlight, queued) = (active.count, queue.count - queueHead)
            stats.withLock {
                $0.inFlight = inFlight; $0.queued = queued
            }
            if stopping && active.isEmpty { break }

            let performed = curl_multi_perform(multi, &running)
            if performed != CURLM_OK {
                // The multi handle itself failed: nothing in it can finish; fail those transfers.
                let message = "curl_multi_perform failed: \(String(cString: curl_multi_strerror(performed)))"
                for (easy, transfer) in active {
                    _ = curl_multi_remove_handle(multi, easy)
                    transfer.finish(.failure(.other(code: Int(performed.rawValue), message: message)))
                    recycle(easy)
                }
                active.removeAll()
            }
            var queuedMessages: Int32 = 0
            while let message = curl_multi_info_read(multi, &queuedMessages) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easy)
                else { continue }
                let code = message.pointee.data.result
                _ = curl_multi_remove_handle(multi, easy)
                var connects = 0
                _ = tw_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
                stats.withLock {
                    $0.requests += 1; $0.connectionsOpened += connects
                }
                transfer.finish(transfer.result(code: code, easy: easy))
                recycle(easy)
            }
            // A slot freed: start the next queued transfers before waiting.
            if active.count < maxInFlight, queueHead < queue.count { continue }
            // Announce the wait, then look again: a request queued in between is not missed.
            waiting.store(true, ordering: .sequentiallyConsistent)
            if shared.withLock({ $0.pending.isEmpty && $0.cancelled.isEmpty && !$0.stopping }) {
                _ = curl_multi_poll(multi, nil, 0, 1000, nil)
            }
            waiting.store(false, ordering: .sequentiallyConsistent)
        }
        for easy in idle { curl_easy_cleanup(easy) }
        stats.withLock {
            $0.inFlight = 0; $0.queued = 0
        }
        shared.withLock { state in
            state.closed = true
            curl_multi_cleanup(multi)
        }
    }
}
