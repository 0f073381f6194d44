import CCurl
import CCurlShims
import Foundation
import Synchronization
import TamwatchModel

/// One transfer in flight. Built by the caller, then touched only by the loop thread.
final class Transfer: @unchecked Sendable {
    let id: UInt64
    let request: Outgoing
    let flag: CancelFlag
    /// Body bytes dropped past `request.responseLimit` (`.keep`), or the limit was hit (`.fail`).
    var overflowed = false
    var headerBytes = 0
    /// Past this much header text the server is not answering, it is flooding.
    static let maxHeaderBytes = 256 << 10
    private var continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var recipientList: UnsafeMutablePointer<curl_slist>?
    nonisolated(unsafe) private var mime: OpaquePointer?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    var body: [UInt8] = []
    var headers: [HTTPHeader] = []

    init(id: UInt64, request: Outgoing, flag: CancelFlag, continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) {
        self.id = id
        self.request = request
        self.flag = flag
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
        var options = Options(easy)
        if let error = configureCommon(&options, url: request.url) { return error }
        options.set(CURLOPT_FOLLOWLOCATION, 0)
        options.set(CURLOPT_USERAGENT, "tamwatch/\(TamwatchVersion.current)")

        switch request.method {
        case "GET": options.set(CURLOPT_HTTPGET, 1)
        default:
            let body = request.body ?? []
            options.set(CURLOPT_POST, 1)
            options.check(tw_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "CURLOPT_POSTFIELDSIZE_LARGE")
            // COPYPOSTFIELDS: libcurl keeps its own copy, so no Swift buffer must outlive this call.
            body.withUnsafeBytes { raw in
                options.check(
                    tw_easy_setopt_ptr(
                        easy, CURLOPT_COPYPOSTFIELDS,
                        UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(errorBuffer))),
                    "CURLOPT_COPYPOSTFIELDS")
            }
            if request.method != "POST" { options.set(CURLOPT_CUSTOMREQUEST, request.method) }
        }

        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for header in request.headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        headerList = list
        options.set(CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))

        let context = Unmanaged.passUnretained(self).toOpaque()
        options.set(CURLOPT_WRITEDATA, context)
        options.check(
            tw_easy_setopt_write_cb(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let data, let context else { return 0 }
                let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                let n = size * count
                return data.withMemoryRebound(to: UInt8.self, capacity: n) { bytes in
                    transfer.receivedBody(UnsafeBufferPointer(start: bytes, count: n))
                }
            }, "CURLOPT_WRITEFUNCTION")
        options.set(CURLOPT_HEADERDATA, context)
        options.check(
            tw_easy_setopt_write_cb(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let data, let context else { return 0 }
                let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                let n = size * count
                return data.withMemoryRebound(to: UInt8.self, capacity: n) { bytes in
                    transfer.receivedHeaderLine(UnsafeBufferPointer(start: bytes, count: n))
                }
            }, "CURLOPT_HEADERFUNCTION")
        return options.failure
    }

    /// What every transfer sets: the URL, no signals, TLS verification on, timeouts, the error
    /// buffer, extra CA certificates, the response size limit.
    private func configureCommon(_ options: inout Options, url: String) -> TransportError? {
        guard tw_easy_setopt_string(options.easy, CURLOPT_URL, url) == CURLE_OK else { return .invalidURL("libcurl rejected the URL") }
        options.set(CURLOPT_NOSIGNAL, 1)
        options.set(CURLOPT_SSL_VERIFYPEER, 1)
        options.set(CURLOPT_SSL_VERIFYHOST, 2)
        options.set(CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout.milliseconds))
        options.set(CURLOPT_TIMEOUT_MS, Int(request.timeout.milliseconds))
        options.set(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        if case .fail(let bytes) = request.responseLimit {
            // A Content-Length past the limit is refused before a byte of the body is read.
            options.check(tw_easy_setopt_off_t(options.easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(bytes)), "CURLOPT_MAXFILESIZE_LARGE")
        }
        if let caFile = request.caFile { options.set(CURLOPT_CAINFO, caFile) }
        return options.failure
    }

    /// SMTP through libcurl: envelope, TLS policy, AUTH, top-level headers and a MIME body
    /// (multipart/alternative: text/plain, then text/html), quoted-printable for any text.
    func configureMail(_ easy: UnsafeMutableRawPointer, _ mail: MailMessage) -> TransportError? {
        let smtps = request.url.hasPrefix("smtps://")
        guard smtps || request.url.hasPrefix("smtp://") else { return .invalidURL("an email channel needs smtp:// or smtps://") }
        // The URL's path is the EHLO name; curl would otherwise make one up.
        var url = request.url
        if let hostEnd = url.dropFirst(smtps ? 8 : 7).firstIndex(of: "/") { url = String(url[..<hostEnd]) }
        url += "/tamwatch.localhost"
        var options = Options(easy)
        if let error = configureCommon(&options, url: url) { return error }
        if !smtps, mail.requireTLS { options.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let username = mail.username { options.set(CURLOPT_USERNAME, username) }
        if let password = mail.password { options.set(CURLOPT_PASSWORD, password) }
        options.set(CURLOPT_MAIL_FROM, "<\(mail.from)>")
        var rcpt: UnsafeMutablePointer<curl_slist>?
        for r in mail.recipients { rcpt = curl_slist_append(rcpt, "<\(r)>") }
        recipientList = rcpt
        options.set(CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(rcpt))

        // With HTML the message itself is multipart/alternative: curl keeps a Content-Type given in
        // the headers for the top level (adding its boundary), instead of multipart/mixed.
        var headers = request.headers + mail.headers
        if mail.html != nil, mail.attachment == nil { headers.append(HTTPHeader("Content-Type", "multipart/alternative")) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, "\(header.name): \(header.value)") }
        headerList = list
        options.set(CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))

        guard let mime = curl_mime_init(easy) else { return .other(code: 0, message: "curl_mime_init failed (out of memory)") }
        self.mime = mime
        func addText(_ to: OpaquePointer, _ text: String, _ type: String) {
            guard let part = curl_mime_addpart(to) else {
                options.failure = options.failure ?? .other(code: 0, message: "curl_mime_addpart failed (out of memory)")
                return
            }
            options.check(text.withCString { curl_mime_data(part, $0, text.utf8.count) }, "curl_mime_data")
            options.check(curl_mime_type(part, type), "curl_mime_type")
            options.check(curl_mime_encoder(part, "quoted-printable"), "curl_mime_encoder")
        }
        if let attachment = mail.attachment {
            // multipart/mixed (curl's default at the top): the text (or the alternative of text
            // and HTML), then the file.
            if let html = mail.html {
                guard let alternative = curl_mime_init(easy), let holder = curl_mime_addpart(mime) else {
                    return .other(code: 0, message: "curl_mime_init failed (out of memory)")
                }
                addText(alternative, crlf(mail.text), "text/plain; charset=utf-8")
                addText(alternative, crlf(html), "text/html; charset=utf-8")
                options.check(curl_mime_subparts(holder, alternative), "curl_mime_subparts")
                options.check(curl_mime_type(holder, "multipart/alternative"), "curl_mime_type")
            } else {
                addText(mime, crlf(mail.text), "text/plain; charset=utf-8")
            }
            guard let file = curl_mime_addpart(mime) else { return .other(code: 0, message: "curl_mime_addpart failed (out of memory)") }
            options.check(curl_mime_filedata(file, attachment.path), "curl_mime_filedata")
            options.check(curl_mime_filename(file, attachment.filename), "curl_mime_filename")
            options.check(curl_mime_type(file, attachment.contentType), "curl_mime_type")
            options.check(curl_mime_encoder(file, "base64"), "curl_mime_encoder")
        } else {
            addText(mime, crlf(mail.text), "text/plain; charset=utf-8")
            if let html = mail.html { addText(mime, crlf(html), "text/html; charset=utf-8") }
        }
        options.set(CURLOPT_MIMEPOST, UnsafeMutableRawPointer(mime))
        return options.failure
    }

    /// Lines end in CRLF on the wire.
    private func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }

    /// Keeps body bytes up to the request's limit. Past it, `.fail` stops the transfer (returning
    /// fewer bytes than given is how a write callback says so); `.keep` drops the rest unread
    /// into memory and lets the transfer finish.
    func receivedBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        switch request.responseLimit {
        case .fail(let limit):
            guard body.count + bytes.count <= limit else { overflowed = true; return 0 }
            body.append(contentsOf: bytes)
        case .keep(let limit):
            let room = max(0, limit - body.count)
            if bytes.count > room { overflowed = true }
            if room > 0 { body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes.prefix(room))) }
        }
        return bytes.count
    }

    func receivedHeaderLine(_ raw: UnsafeBufferPointer<UInt8>) -> Int {
        headerBytes += raw.count
        guard headerBytes <= Self.maxHeaderBytes else { overflowed = true; return 0 }
        var end = raw.count
        while end > 0, raw[end - 1] == 0x0A || raw[end - 1] == 0x0D { end -= 1 }
        let line = UnsafeBufferPointer(rebasing: raw[0..<end])
        if line.starts(with: Array("HTTP/".utf8)) {
            headers.removeAll()  // a new response (after 100 Continue) starts a new header block
            return raw.count
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return raw.count }
        var valueStart = colon + 1
        while valueStart < end, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        var valueEnd = end
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let header = HTTPHeader(
            String(decoding: UnsafeBufferPointer(rebasing: line[0..<colon]), as: UTF8.self),
            String(decoding: UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self))
        if header.name.lowercased() == "content-length", let length = Int(header.value), length > 0 {
            // One allocation for a typical answer, bounded whatever the server claims.
            body.reserveCapacity(min(length, request.responseLimit.bytes, 64 << 10))
        }
        headers.append(header)
        return raw.count
    }

    func result(code: CURLcode, easy: UnsafeMutableRawPointer) -> Result<HTTPResponse, TransportError> {
        if code == CURLE_OK {
            var status = 0
            _ = tw_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            defer { body = []; headers = [] }  // the response owns them now
            return .success(HTTPResponse(status: status, headers: headers, body: body, truncated: overflowed))
        }
        if overflowed || code == CURLE_FILESIZE_EXCEEDED {
            if headerBytes > Self.maxHeaderBytes {
                return .failure(.responseTooLarge("the response headers passed \(Self.maxHeaderBytes >> 10) KiB"))
            }
            return .failure(
                .responseTooLarge("the response body passed \(ByteCount.format(request.responseLimit.bytes)), the most tamwatch reads"))
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
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .failure(.invalidURL("curl: \(message)"))
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
