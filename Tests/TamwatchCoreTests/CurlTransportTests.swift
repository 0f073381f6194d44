import Foundation
import Testing
@testable import TamwatchCore
@testable import TamwatchSimulator

@Suite("libcurl transport, over real loopback HTTP")
struct CurlTransportTests {
    /// The statuses of `count` concurrent credit-balance requests (-1 for a transport error).
    func balanceStatuses(_ transport: CurlTransport, _ sim: RunningSimulator, count: Int) async -> [Int] {
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask {
                    (try? await transport.send(HTTPRequest(url: sim.baseURL + "/api/v1/credits/balance",
                                                           headers: [HTTPHeader("X-API-Key", "k")])).status) ?? -1
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
    }

    @Test("GET and POST against the simulator: status, headers, body")
    func roundTrip() async throws {
        let sim = try await SimulatorServer(engine: SimulatorEngine(apiKey: "k")).start()
        defer { Task { await sim.stop() } }
        let transport = CurlTransport()
        let post = try await transport.send(HTTPRequest(method: "POST", url: sim.baseURL + "/api/v1/tam/build",
                                                        headers: [HTTPHeader("X-API-Key", "k"), HTTPHeader("Content-Type", "application/json")],
                                                        body: Array(#"{"query":"neobanks worldwide"}"#.utf8)))
        #expect(post.status == 200)
        #expect(post.header("content-type") == "application/json")
        let id = try #require(try JSONValue.parse(Data(post.body))["job_id"]?.stringValue)
        let get = try await transport.send(HTTPRequest(url: sim.baseURL + "/api/v1/tam/build/\(id)", headers: [HTTPHeader("X-API-Key", "k")]))
        #expect(get.status == 200)
        #expect(try JSONValue.parse(Data(get.body))["status"] == .string("pending"))
        let denied = try await transport.send(HTTPRequest(url: sim.baseURL + "/api/v1/tam/build/\(id)"))
        #expect(denied.status == 401)
    }

    @Test("many concurrent requests share a few reused connections")
    func concurrencyAndReuse() async throws {
        let sim = try await SimulatorServer(engine: SimulatorEngine(apiKey: "k")).start()
        defer { Task { await sim.stop() } }
        let transport = CurlTransport(maxConnectionsPerHost: 8)
        let statuses = await balanceStatuses(transport, sim, count: 200)
        #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
        let stats = transport.statistics
        #expect(stats.requests == 200)
        #expect(stats.connectionsOpened <= 8, "opened \(stats.connectionsOpened) connections for 200 requests")
    }

    @Test("redirects are returned, not followed")
    func noRedirects() async throws {
        let server = try RawHTTPServer(.respond("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"))
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
        let deadline = ContinuousClock.now + .seconds(10)
        while silent.requests == 0 {
            guard ContinuousClock.now < deadline else { Issue.record("the request never reached the server"); task.cancel(); return }
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        let result = await task.result
        guard case .failure(let error as TransportError) = result, error == .cancelled else {
            Issue.record("expected cancelled, got \(result)")
            return
        }
    }

    @Test("transfers past the in-flight cap wait their turn, and a waiting one can be cancelled")
    func inFlightCap() async throws {
        let silent = try RawHTTPServer(.silent)
        defer { silent.close() }
        let transport = CurlTransport(maxConnectionsPerHost: 1)  // two in flight at most
        let url = "http://127.0.0.1:\(silent.port)/"
        let busy = (0..<2).map { _ in Task { try await transport.send(HTTPRequest(url: url, timeout: .seconds(20))) } }
        let deadline = ContinuousClock.now + .seconds(10)
        while silent.requests < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let waiting = Task { try await transport.send(HTTPRequest(url: url, timeout: .seconds(20))) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(silent.requests <= 2, "a third transfer started past the cap")
        waiting.cancel()
        guard case .failure(let error as TransportError) = await waiting.result, error == .cancelled else {
            Issue.record("the queued transfer was not cancelled")
            return
        }
        busy.forEach { $0.cancel() }
        for task in busy { _ = await task.result }

        let sim = try await SimulatorServer(engine: SimulatorEngine(apiKey: "k")).start()
        defer { Task { await sim.stop() } }
        let statuses = await balanceStatuses(transport, sim, count: 40)
        #expect(statuses.count == 40 && statuses.allSatisfy { $0 == 200 })
    }
}
