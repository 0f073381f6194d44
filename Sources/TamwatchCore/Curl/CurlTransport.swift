import CCurl
import CCurlShims
import Foundation
import Synchronization

/// Drives every transfer of the process on one libcurl multi handle, on one thread of its own.
///
/// Callers `await` a response; requests cross to the loop thread through a locked queue and
/// `curl_multi_wakeup`, and every libcurl handle stays confined to that thread. Connections are
/// kept in the multi handle's cache and reused across requests.
public final class CurlTransport: HTTPTransport, Sendable {
    private struct Shared: ~Copyable {
        var pending: [Transfer] = []
        var cancelled: Set<UInt64> = []
        var stopping = false
    }

    // The multi handle is used only on the loop thread, except for curl_multi_wakeup, which
    // libcurl documents as callable from any thread.
    nonisolated(unsafe) private let multi: UnsafeMutableRawPointer
    private let shared = Mutex(Shared())
    private let nextID = Atomic<UInt64>(1)
    /// True while the loop thread waits in curl_multi_poll: only then does a request need a wakeup.
    private let waiting = Atomic<Bool>(false)
    private let stats = Mutex(TransportStats())
    /// At most this many transfers are handed to libcurl at once; the rest queue in order.
    private let maxInFlight: Int

    private static let globalInit: CURLcode = curl_global_init(tw_global_default())

    /// - Parameter maxConnectionsPerHost: transfers past this wait in libcurl's queue (0: no cap).
    public init(maxConnectionsPerHost: Int = 64) {
        _ = Self.globalInit
        guard let m = curl_multi_init() else {
            // curl_multi_init fails only when out of memory.
            preconditionFailure("curl_multi_init returned NULL")
        }
        multi = m
        maxInFlight = max(1, maxConnectionsPerHost) * 2
        _ = tw_multi_setopt_long(m, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        _ = tw_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, max(maxConnectionsPerHost * 2, 16))
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "tamwatch-curl"
        thread.start()
    }

    /// Counters for benchmarks and tests: requests finished and connections opened.
    public var statistics: TransportStats { stats.withLock { $0 } }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let result: Result<HTTPResponse, TransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) in
                let transfer = Transfer(id: id, request: request, continuation: continuation)
                let accepted = shared.withLock { state -> Bool in
                    if state.stopping { return false }
                    state.pending.append(transfer)
                    return true
                }
                if accepted {
                    if waiting.exchange(false, ordering: .sequentiallyConsistent) { curl_multi_wakeup(multi) }
                } else {
                    continuation.resume(returning: .failure(.shutDown))
                }
            }
        } onCancel: {
            shared.withLock { _ = $0.cancelled.insert(id) }
            curl_multi_wakeup(multi)
        }
        return try result.get()
    }

    /// Stops the loop thread after failing whatever is still in flight.
    public func shutdown() {
        shared.withLock { $0.stopping = true }
        curl_multi_wakeup(multi)
    }

    // MARK: - Loop thread

    private func runLoop() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        var idle: [UnsafeMutableRawPointer] = []
        // Transfers past `maxInFlight` wait here, not inside libcurl, so a burst of a thousand
        // polls holds a thousand small records instead of a thousand easy handles and buffers.
        var queue: [Transfer?] = []
        var queueHead = 0
        var running: Int32 = 0

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
                    curl_multi_remove_handle(multi, easy)
                    active[easy] = nil
                    transfer.finish(.failure(stopping ? .shutDown : .cancelled))
                    curl_easy_reset(easy)
                    idle.append(easy)
                }
                if stopping { queue.removeAll(); queueHead = 0 }
            }
            while active.count < maxInFlight, queueHead < queue.count {
                let next = queue[queueHead]
                queue[queueHead] = nil
                queueHead += 1
                guard let transfer = next, !transfer.isFinished else { continue }
                guard let easy = idle.popLast() ?? curl_easy_init() else {
                    transfer.finish(.failure(.other(code: -1, message: "curl_easy_init failed")))
                    continue
                }
                if let error = transfer.configure(easy) {
                    curl_easy_reset(easy)
                    idle.append(easy)
                    transfer.finish(.failure(error))
                    continue
                }
                active[easy] = transfer
                curl_multi_add_handle(multi, easy)
            }
            if queueHead == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            } else if queueHead > 4096 {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            if stopping && active.isEmpty { break }

            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                      let transfer = active.removeValue(forKey: easy) else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                var connects = 0
                _ = tw_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
                stats.withLock { $0.requests += 1; $0.connectionsOpened += connects }
                transfer.finish(transfer.result(code: code, easy: easy))
                curl_easy_reset(easy)
                if idle.count < maxInFlight { idle.append(easy) } else { curl_easy_cleanup(easy) }
            }
            // A slot freed: start the next queued transfers before waiting.
            if active.count < maxInFlight, queueHead < queue.count { continue }
            // Announce the wait, then look again: a request queued in between is not missed.
            waiting.store(true, ordering: .sequentiallyConsistent)
            if shared.withLock({ $0.pending.isEmpty && $0.cancelled.isEmpty && !$0.stopping }) {
                curl_multi_poll(multi, nil, 0, 1000, nil)
            }
            waiting.store(false, ordering: .sequentiallyConsistent)
        }
        for easy in idle { curl_easy_cleanup(easy) }
        curl_multi_cleanup(multi)
    }
}

/// Counters kept by `CurlTransport`.
public struct TransportStats: Sendable {
    public var requests = 0
    public var connectionsOpened = 0
}

/// One transfer in flight. Built by the caller, then touched only by the loop thread.
private final class Transfer: @unchecked Sendable {
    let id: UInt64
    let request: HTTPRequest
    private var continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var recipientList: UnsafeMutablePointer<curl_slist>?
    nonisolated(unsafe) private var mime: OpaquePointer?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    var body: [UInt8] = []
    var headers: [HTTPHeader] = []

    init(id: UInt64, request: HTTPRequest, continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) {
        self.id = id
        self.request = request
        self.continuation = continuation
        errorBuffer.initialize(to: 0)
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        if let recipientList { curl_slist_free_all(recipientList) }
        if let mime { curl_mime_free(mime) }
        errorBuffer.deallocate()
    }

    var isFinished: Bool { continuation == nil }

    func finish(_ result: Result<HTTPResponse, TransportError>) {
        continuation?.resume(returning: result)
        continuation = nil
    }

    /// Sets every option for this request; returns an error instead of starting a bad transfer.
    func configure(_ easy: UnsafeMutableRawPointer) -> TransportError? {
        // Nothing with a line break reaches a request line, a header or an SMTP command.
        if let problem = request.problem { return .invalidRequest(problem) }
        if let mail = request.mail { return configureMail(easy, mail) }
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            return .invalidURL("only http:// and https:// URLs are supported")
        }
        if let error = configureCommon(easy, url: request.url) { return error }
        _ = tw_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        _ = tw_easy_setopt_string(easy, CURLOPT_USERAGENT, "tamwatch/\(TamwatchVersion.current)")

        switch request.method {
        case "GET": _ = tw_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        default:
            let body = request.body ?? []
            _ = tw_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = tw_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            // COPYPOSTFIELDS: libcurl keeps its own copy, so no Swift buffer must outlive this call.
            body.withUnsafeBytes { raw in
                _ = tw_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS,
                                       UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(errorBuffer)))
            }
            if request.method != "POST" { _ = tw_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method) }
        }

        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for header in request.headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        headerList = list
        _ = tw_easy_setopt_ptr(easy, CURLOPT_HTTPHEADER, list)

        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = tw_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, context)
        _ = tw_easy_setopt_write_cb(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let n = size * count
            data.withMemoryRebound(to: UInt8.self, capacity: n) { bytes in
                transfer.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: n))
            }
            return n
        }
        _ = tw_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, context)
        _ = tw_easy_setopt_write_cb(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let n = size * count
            data.withMemoryRebound(to: UInt8.self, capacity: n) { bytes in
                transfer.receivedHeaderLine(UnsafeBufferPointer(start: bytes, count: n))
            }
            return n
        }
        return nil
    }

    /// What every transfer sets: the URL, no signals, TLS verification on, timeouts, the error
    /// buffer, extra CA certificates.
    private func configureCommon(_ easy: UnsafeMutableRawPointer, url: String) -> TransportError? {
        guard tw_easy_setopt_string(easy, CURLOPT_URL, url) == CURLE_OK else { return .invalidURL("libcurl rejected the URL") }
        _ = tw_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = tw_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        _ = tw_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        _ = tw_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout.milliseconds))
        _ = tw_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(request.timeout.milliseconds))
        _ = tw_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        if let caFile = request.caFile { _ = tw_easy_setopt_string(easy, CURLOPT_CAINFO, caFile) }
        return nil
    }

    /// SMTP through libcurl: envelope, TLS policy, AUTH, top-level headers and a MIME body
    /// (multipart/alternative: text/plain, then text/html), quoted-printable for any text.
    func configureMail(_ easy: UnsafeMutableRawPointer, _ mail: MailTransfer) -> TransportError? {
        let smtps = request.url.hasPrefix("smtps://")
        guard smtps || request.url.hasPrefix("smtp://") else { return .invalidURL("an email channel needs smtp:// or smtps://") }
        // The URL's path is the EHLO name; curl would otherwise make one up.
        var url = request.url
        if let hostEnd = url.dropFirst(smtps ? 8 : 7).firstIndex(of: "/") { url = String(url[..<hostEnd]) }
        url += "/tamwatch.localhost"
        if let error = configureCommon(easy, url: url) { return error }
        if !smtps, mail.requireTLS { _ = tw_easy_setopt_long(easy, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let username = mail.username { _ = tw_easy_setopt_string(easy, CURLOPT_USERNAME, username) }
        if let password = mail.password { _ = tw_easy_setopt_string(easy, CURLOPT_PASSWORD, password) }
        _ = tw_easy_setopt_string(easy, CURLOPT_MAIL_FROM, "<\(mail.from)>")
        var rcpt: UnsafeMutablePointer<curl_slist>?
        for r in mail.recipients { rcpt = curl_slist_append(rcpt, "<\(r)>") }
        recipientList = rcpt
        _ = tw_easy_setopt_ptr(easy, CURLOPT_MAIL_RCPT, rcpt)

        // With HTML the message itself is multipart/alternative: curl keeps a Content-Type given in
        // the headers for the top level (adding its boundary), instead of multipart/mixed.
        var headers = request.headers + mail.headers
        if mail.html != nil { headers.append(HTTPHeader("Content-Type", "multipart/alternative")) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, "\(header.name): \(header.value)") }
        headerList = list
        _ = tw_easy_setopt_ptr(easy, CURLOPT_HTTPHEADER, list)

        guard let mime = curl_mime_init(easy) else { return .other(code: 0, message: "curl_mime_init failed") }
        self.mime = mime
        func addText(_ to: OpaquePointer, _ text: String, _ type: String) {
            let part = curl_mime_addpart(to)
            _ = text.withCString { curl_mime_data(part, $0, text.utf8.count) }
            _ = curl_mime_type(part, type)
            _ = curl_mime_encoder(part, "quoted-printable")
        }
        addText(mime, crlf(mail.text), "text/plain; charset=utf-8")
        if let html = mail.html { addText(mime, crlf(html), "text/html; charset=utf-8") }
        _ = tw_easy_setopt_ptr(easy, CURLOPT_MIMEPOST, UnsafeMutableRawPointer(mime))
        return nil
    }

    /// Lines end in CRLF on the wire.
    private func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }

    func receivedHeaderLine(_ raw: UnsafeBufferPointer<UInt8>) {
        var end = raw.count
        while end > 0, raw[end - 1] == 0x0A || raw[end - 1] == 0x0D { end -= 1 }
        let line = UnsafeBufferPointer(rebasing: raw[0..<end])
        if line.starts(with: Array("HTTP/".utf8)) {
            headers.removeAll()  // a new response (after 100 Continue) starts a new header block
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        var valueStart = colon + 1
        while valueStart < end, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        var valueEnd = end
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let header = HTTPHeader(String(decoding: UnsafeBufferPointer(rebasing: line[0..<colon]), as: UTF8.self),
                                String(decoding: UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self))
        if header.name.lowercased() == "content-length", let length = Int(header.value), length > 0 {
            body.reserveCapacity(min(length, 64 << 20))  // one allocation instead of a growing buffer
        }
        headers.append(header)
    }

    func result(code: CURLcode, easy: UnsafeMutableRawPointer) -> Result<HTTPResponse, TransportError> {
        if code == CURLE_OK {
            var status = 0
            _ = tw_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            defer { body = []; headers = [] }  // the response owns them now
            return .success(HTTPResponse(status: status, headers: headers, body: body))
        }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if request.mail != nil {
            var reply = 0
            _ = tw_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &reply)
            // A reply code decides SMTP: 4xx is worth a retry, 5xx is not (RFC 5321).
            if reply >= 400 { return .failure(.smtpRefused(reply: reply, curlCode: Int(code.rawValue), message: message)) }
        }
        switch code {
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .failure(.invalidURL(message))
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .failure(.couldNotResolveHost(message))
        case CURLE_COULDNT_CONNECT: return .failure(.couldNotConnect(message))
        case CURLE_OPERATION_TIMEDOUT: return .failure(.timedOut(message))
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER:
            return .failure(.tls(message))
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE:
            return .failure(.connectionLost(message))
        default: return .failure(.other(code: Int(code.rawValue), message: message))
        }
    }
}
