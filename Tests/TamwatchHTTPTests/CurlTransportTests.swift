import Foundation
import Testing

@testable import TamwatchChannels
@testable import TamwatchDelivery
@testable import TamwatchHTTP
@testable import TamwatchHTTPServer
@testable import TamwatchModel
@testable import TamwatchOpenFunnel
@testable import TamwatchSimulator
@testable import TamwatchTesting

@Suite("libcurl transport, over real loopback HTTP", .timeLimit(.minutes(5)))
struct CurlTransportTests {
    /// The statuses of `count` concurrent credit-balance requests (-1 for a transport error).
    func balanceStatuses(_ transport: CurlTransport, _ sim: RunningServer, count: Int) async -> [Int] {
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask {
                    (try? await transport.send(
                        HTTPRequest(
                            url: sim.baseURL + "/api/v1/credits/balance",
                            headers: [HTTPHeader("X-API-Key", "k")])
                    ).status) ?? -1
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
    }

    @Test("GET and POST against the simulator: status, headers, body")
    func roundTrip() async throws {
        try await with(try await SimulatorServer(engine: SimulatorEngine(apiKey: "k")).start()) { sim async throws in
            let transport = CurlTransport()
            defer { transport.shutdown() }
            let post = try await transport.send(
                HTTPRequest(
                    method: "POST", url: sim.baseURL + "/api/v1/tam/build",
                    headers: [HTTPHeader("X-API-Key", "k"), HTTPHeader("Content-Type", "application/json")],
                    body: Array(#"{"query":"neobanks worldwide"}"#.utf8)))
            #expect(post.status == 200)
            #expect(post.header("content-type") == "application/json")
            let id = try #require(try JSONValue.parse(Data(post.body))["job_id"]?.stringValue)
            let get = try await transport.send(
                HTTPRequest(url: sim.baseURL + "/api/v1/tam/build/\(id)", headers: [HTTPHeader("X-API-Key", "k")]))
            #expect(get.status == 200)
            #expect(try JSONValue.parse(Data(get.body))["status"] == .string("pending"))
            let denied = try await transport.send(HTTPRequest(url: sim.baseURL + "/api/v1/tam/build/\(id)"))
            #expect(denied.status == 401)
        }
    }

    @Test("many concurrent requests share a few reused connections")
    func concurrencyAndReuse() async throws {
        try await with(try await SimulatorServer(engine: SimulatorEngine(apiKey: "k")).start()) { sim async throws in
            let transport = CurlTransport(maxConnectionsPerHost: 8)
            defer { transport.shutdown() }
            let statuses = await balanceStatuses(transport, sim, count: 200)
            #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
            let stats = transport.statistics
            #expect(stats.requests == 200)
            #expect(stats.connectionsOpened <= 8, "opened \(stats.connectionsOpened) connections for 200 requests")
        }
    }

    @Test("redirects are returned, not followed")
    func noRedirects() async throws {
        let server = try RawHTTPServer(
            .respond("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"))
        defer { server.close() }
        let r = try await CurlTransport().send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        #expect(r.status == 302 && r.header("Location") == "http://127.0.0.1:1/elsewhere")
    }

    @Test("a refused connection, a timeout and a dropped connection are typed errors")
    func failures() async throws {
        let transport = CurlTransport()
        let refused = try RefusingPort()
        defer { withExtendedLifetime(refused) {} }  // the port stays refused (and ours) to the end
        let port = refused.port
        do {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
            Issue.record("expected a refused connection")
        } catch {
            guard case .couldNotConnect = error else { Issue.record("expected couldNotConnect, got \(error)"); return }
        }

        let silent = try RawHTTPServer(.silent)
        defer { silent.close() }
        do {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(silent.port)/", timeout: .milliseconds(200)))
            Issue.record("expected a timeout")
        } catch {
            guard case .timedOut = error else { Issue.record("expected timedOut, got \(error)"); return }
        }

        let hangUp = try RawHTTPServer(.hangUp)
        defer { hangUp.close() }
        do {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(hangUp.port)/"))
            Issue.record("expected a dropped connection")
        } catch {
            guard case .connectionLost = error else { Issue.record("expected connectionLost, got \(error)"); return }
        }
    }

    @Test("a URL that is not http(s) is refused before any transfer")
    func badURL() async {
        do {
            _ = try await CurlTransport().send(HTTPRequest(url: "ftp://example.com/"))
            Issue.record("expected invalidURL")
        } catch {
            guard case .invalidURL = error else { Issue.record("expected invalidURL, got \(error)"); return }
        }
    }

    @Test("a cancelled task cancels its transfer")
    func cancellation() async throws {
        let silent = try RawHTTPServer(.silent)
        defer { silent.close() }
        let transport = CurlTransport()
        let task = Task { try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(silent.port)/", timeout: .seconds(20))) }
        try await eventually("the request reached the server", on: silent.changes) { silent.requests == 1 }
        task.cancel()
        let result = await task.result
        guard case .failure(let error as TransportError) = result, error == .cancelled else {
            Issue.record("expected cancelled, got \(result)")
            return
        }
    }

    /// For the two facts nothing announces (the kernel's list of threads, the transport's own
    /// queue counters), looks every 2 ms until `condition` holds; what a server sees is waited
    /// for on its `changes` instead.
    func polling(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("timed out waiting until \(what)"); return }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test("transfers past the in-flight cap (twice the connections per host) wait in order; a waiting one can be cancelled")
    func inFlightCap() async throws {
        // Three hosts (ports), so libcurl's own per-host limit holds nothing back: only the cap does.
        let seen = Changes()
        let servers = try (0..<3).map { _ in try RawHTTPServer(.silent, changes: seen) }
        defer { servers.forEach { $0.close() } }
        let transport = CurlTransport(maxConnectionsPerHost: 1)  // two in flight at most
        defer { transport.shutdown() }
        func send(_ i: Int) -> Task<HTTPResponse, any Error> {
            Task { try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(servers[i].port)/", timeout: .seconds(20))) }
        }
        let busy = [send(0), send(1)]
        try await eventually("both busy transfers reached their servers", on: seen) { servers[0].requests == 1 && servers[1].requests == 1 }
        let third = send(2)
        try await polling("the third transfer waits in the queue") { transport.statistics.queued == 1 }
        #expect(transport.statistics.inFlight == 2)
        #expect(servers[2].requests == 0, "a third transfer started past the cap")
        busy[0].cancel()
        try await eventually("the queued transfer starts once a slot is free", on: seen) { servers[2].requests == 1 }

        let waiting = send(0)
        try await polling("a fourth transfer waits") { transport.statistics.queued == 1 }
        waiting.cancel()
        guard case .failure(let error as TransportError) = await waiting.result, error == .cancelled else {
            Issue.record("the queued transfer was not cancelled")
            return
        }
        #expect(servers[0].requests == 1, "the cancelled one never went out")
        busy[1].cancel()
        third.cancel()
        _ = await busy[1].result
        _ = await third.result
    }

    @Test("maxConnectionsPerHost 0 means no cap: every transfer starts at once")
    func noCap() async throws {
        let seen = Changes()
        let servers = try (0..<5).map { _ in try RawHTTPServer(.silent, changes: seen) }
        defer { servers.forEach { $0.close() } }
        let transport = CurlTransport(maxConnectionsPerHost: 0)
        defer { transport.shutdown() }
        let tasks = servers.map { server in
            Task { try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", timeout: .seconds(20))) }
        }
        try await eventually("all five reached their servers", on: seen) { servers.allSatisfy { $0.requests == 1 } }
        tasks.forEach { $0.cancel() }
        for t in tasks { _ = await t.result }
    }

    @Test("a task cancelled before its transfer is queued gets .cancelled, and nothing is sent")
    func cancelledBeforeQueued() async throws {
        let server = try RawHTTPServer(RawHTTPServer.status(200))
        defer { server.close() }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        for _ in 0..<100 {
            let task = Task { () -> Result<HTTPResponse, TransportError> in
                withUnsafeCurrentTask { $0?.cancel() }
                do throws(TransportError) {
                    return .success(try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", timeout: .seconds(5))))
                } catch { return .failure(error) }
            }
            guard case .failure(.cancelled) = await task.value else {
                Issue.record("a transfer cancelled before it was queued was sent anyway")
                break
            }
        }
        #expect(server.requests == 0)
    }

    @Test("shutdown fails what is in flight and whatever comes after; the loop thread ends, also for a transport only dropped")
    func shutdownEndsThread() async throws {
        func loopThreads(_ name: String) -> Int {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.filter { (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8))?.hasPrefix(name) == true }
                .count
        }
        let silent = try RawHTTPServer(.silent)
        defer { silent.close() }
        let name = "tw-shutdown-\(Int.random(in: 100...999))"
        let transports = (0..<10).map { _ in CurlTransport(maxConnectionsPerHost: 4, threadName: name) }
        try await polling("ten loop threads run") { loopThreads(name) == 10 }
        let inFlight = Task { try await transports[0].send(HTTPRequest(url: "http://127.0.0.1:\(silent.port)/", timeout: .seconds(20))) }
        try await eventually("the transfer is in flight", on: silent.changes) { silent.requests == 1 }
        transports.forEach { $0.shutdown() }
        guard case .failure(let error as TransportError) = await inFlight.result, error == .shutDown else {
            Issue.record("the transfer in flight did not fail with shutDown")
            return
        }
        do {
            _ = try await transports[1].send(HTTPRequest(url: "http://127.0.0.1:\(silent.port)/"))
            Issue.record("a shut-down transport sent")
        } catch {
            #expect(error == .shutDown)
        }
        try await polling("every loop thread ended") { loopThreads(name) == 0 }

        let dropped = "tw-dropped-\(Int.random(in: 100...999))"
        do { _ = CurlTransport(maxConnectionsPerHost: 1, threadName: dropped) }
        try await polling("a transport dropped without shutdown ended its thread too") { loopThreads(dropped) == 0 }
    }

    @Test(
        "bodies are bounded: an API answer past its limit fails clearly (with or without Content-Length); a delivery answer keeps its first bytes"
    )
    func boundedBodies() async throws {
        let big = String(repeating: "x", count: 3 << 20)
        let withLength = try RawHTTPServer(.respond("HTTP/1.1 200 OK\r\nContent-Length: \(big.utf8.count)\r\n\r\n\(big)"))
        defer { withLength.close() }
        let unannounced = try RawHTTPServer(.respond("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n\(big)"))
        defer { unannounced.close() }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        for server in [withLength, unannounced] {
            var request = HTTPRequest(url: "http://127.0.0.1:\(server.port)/")
            request.responseLimit = .fail(atBytes: 1 << 20)
            do {
                _ = try await transport.send(request)
                Issue.record("a body past the limit was accepted")
            } catch {
                guard case .responseTooLarge(let why) = error else { Issue.record("expected responseTooLarge, got \(error)"); continue }
                #expect(why.contains("1 MiB"), "\(why)")
            }
        }
        var answer = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(withLength.port)/", body: [])
        answer.responseLimit = .keep(firstBytes: 64 << 10)
        let kept = try await transport.send(answer)
        #expect(kept.status == 200 && kept.body.count == 64 << 10 && kept.truncated)
        #expect(AttemptOutcome.excerpt(kept)?.hasSuffix("…") == true)
        // The poll's default: 32 MiB, past which it is a transient fault that says what happened.
        #expect(HTTPRequest(url: "http://x/").responseLimit == .fail(atBytes: 32 << 20))
        #expect(OpenFunnelError.transport(.responseTooLarge("x")).isTransient)
    }
}
