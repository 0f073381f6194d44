import Foundation
import TamwatchHTTP
import TamwatchOpenFunnel

/// A loopback server that answers every request with `bytes` bytes of body, with or without a
/// Content-Length: the hostile receiver or API the bounded bodies are for.
final class FloodServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let bytes: Int
    private let announce: Bool

    init(bytes: Int, announceLength: Bool) throws {
        self.bytes = bytes
        announce = announceLength
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                Thread { [self] in serve(client) }.start()
            }
        }.start()
    }

    private func serve(_ client: Int32) {
        var request = [UInt8](repeating: 0, count: 65536)
        var got = 0
        // Read the head (and a small body) of one request.
        while got < request.count {
            let n = read(client, &request[got], request.count - got)
            if n <= 0 { close(client); return }
            got += n
            if String(decoding: request[0..<got], as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let head = "HTTP/1.1 200 OK\r\n" + (announce ? "Content-Length: \(bytes)\r\n" : "Connection: close\r\n") + "\r\n"
        _ = head.withCString { write(client, $0, strlen($0)) }
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16)
        var sent = 0
        while sent < bytes {
            let n = chunk.withUnsafeBytes { write(client, $0.baseAddress, min(chunk.count, bytes - sent)) }
            if n <= 0 { break }  // the client went away: it read what it wanted
            sent += n
        }
        close(client)
    }
}

/// Peak memory while a webhook receiver answers 100 MB and an API answers 1.5 GB (with and
/// without a Content-Length): what is read is bounded, whatever the other side sends.
func benchBodies() async throws {
    let answerBytes = (Int(option("--answer-mb", "100")) ?? 100) << 20
    let apiBytes = Int((Double(option("--api-gb", "1.5")) ?? 1.5) * Double(1 << 30))
    let transport = CurlTransport()
    defer { transport.shutdown() }
    print(String(format: "bodies: peak RSS at start %.1f MB", peakRSSMegabytes()))

    let receiver = try FloodServer(bytes: answerBytes, announceLength: true)
    var delivery = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(receiver.port)/hook", body: Array("{}".utf8))
    delivery.responseLimit = .keep(firstBytes: ResponseLimit.answerDefault)
    let t0 = ContinuousClock.now
    let answer = try await transport.send(delivery)
    print(
        String(
            format: "bodies: a %d MB webhook answer: kept %d bytes (truncated: %@) in %.2f s; peak RSS %.1f MB",
            answerBytes >> 20, answer.body.count, answer.truncated ? "yes" : "no", (ContinuousClock.now - t0).seconds, peakRSSMegabytes()))

    for announce in [true, false] {
        let api = try FloodServer(bytes: apiBytes, announceLength: announce)
        let client = OpenFunnelClient(baseURL: "http://127.0.0.1:\(api.port)", apiKey: "bench", transport: transport)
        let t1 = ContinuousClock.now
        do {
            _ = try await client.pollSnapshot(jobId: "job")
            print("bodies: the API answer was accepted (unexpected)")
        } catch {
            print(
                String(
                    format: "bodies: a %.1f GB API answer %@: %@ after %.2f s; peak RSS %.1f MB",
                    Double(apiBytes) / Double(1 << 30), announce ? "with Content-Length" : "without Content-Length",
                    error.description, (ContinuousClock.now - t1).seconds, peakRSSMegabytes()))
        }
    }
}
