import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting
import Testing

/// A `tamwatch serve` process on a free port, and a client for its API (libcurl, the same
/// transport tamwatch uses).
struct ServeProcess {
    let child: ChildProcess
    let port: Int
    var token: String?
    /// Where it listens (another host's address when it runs in a network namespace).
    var host = "127.0.0.1"

    static let token = "e2e-serve-token-0123456789abcdef"

    /// `config` is the YAML file; the API is the simulator's. `changes` hears everything the
    /// process writes (shared by replicas, for a test that waits on all of them).
    static func start(
        config: String, sim: SimulatorProcess, extra: [String] = [], environment: [String: String] = [:], token: String? = nil,
        changes: Changes = Changes()
    ) async throws -> ServeProcess {
        let child = try ChildProcess(
            arguments(config: config, apiURL: sim.url, extra: extra), environment: Self.environment(environment), changes: changes)
        return try await attach(child, token: token)
    }

    /// `serve`'s arguments: polls every 50 ms and logs at debug level unless `extra` says otherwise.
    static func arguments(config: String, apiURL: String, listen: String = "127.0.0.1:0", extra: [String] = []) -> [String] {
        ["serve", "--listen", listen, "--config", config, "--api-url", apiURL]
            + (extra.contains("--poll-interval") ? [] : ["--poll-interval", "50ms"])
            + (extra.contains("--log-level") ? [] : ["--log-level", "debug"]) + extra
    }

    static func environment(_ more: [String: String]) -> [String: String] {
        DeliveryEndToEndTests.environment.merging(more) { _, new in new }
    }

    /// A serve process started some other way (in a namespace of its own, say): ready once it
    /// prints the address it listens on.
    static func attach(_ child: ChildProcess, token: String? = nil) async throws -> ServeProcess {
        try await child.waitFor(timeout: .seconds(30)) { $0.contains { $0.hasPrefix("http://") } }
        let line = try #require(child.stdoutLines.first { $0.hasPrefix("http://") }, "serve did not start: \(child.stderr)")
        let address = line.dropFirst("http://".count)
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) }, "no port in \(line)")
        let host = address.split(separator: ":").dropLast().joined(separator: ":")
        return ServeProcess(child: child, port: port, token: token, host: host.isEmpty ? "127.0.0.1" : host)
    }

    var url: String { "http://\(host):\(port)" }

    struct Answer {
        var status: Int
        var headers: [HTTPHeader]
        var text: String
        var json: JSONValue? { try? JSONValue.parse(text) }
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    func call(
        _ method: String, _ path: String, body: String? = nil, headers: [HTTPHeader] = [], auth: Bool = true,
        transport: CurlTransport
    ) async throws -> Answer {
        var all = headers
        if auth, let token { all.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        if body != nil { all.append(HTTPHeader("Content-Type", "application/json")) }
        let response = try await transport.send(
            HTTPRequest(method: method, url: url + path, headers: all, body: body.map { Array($0.utf8) }, timeout: .seconds(20)))
        return Answer(status: response.status, headers: response.headers, text: response.bodyText)
    }

    /// Calls until `condition` holds on the answer, at most `timeout`: now, and again each time
    /// the process writes a line. serve runs at debug level here, so whatever changes what the
    /// API answers says so in its log first (an event stored, an attempt recorded, a watch
    /// ended, a stream client come; with trace, every poll): the wait follows the process, on
    /// no timer.
    func until(
        _ path: String, transport: CurlTransport, timeout: Duration = .seconds(60), _ condition: (Answer) -> Bool
    ) async throws -> Answer {
        var last: Answer?
        do {
            try await eventually("GET \(path)", on: child.changes, timeout: timeout) {
                let answer = try await call("GET", path, transport: transport)
                last = answer
                return condition(answer)
            }
        } catch is NeverHappened {
            Issue.record("timed out waiting on \(path): \(last.map { "\($0.status) \($0.text.prefix(300))" } ?? "no answer")")
        }
        guard let last else { throw ChildError.timeout("no answer from \(path)") }
        return last
    }

    func sse(_ path: String = "/api/v1/events", headers: [String] = [], reading: Bool = true, receiveBuffer: Int32? = nil) throws
        -> SSEClient
    {
        var all = headers
        if let token { all.append("Authorization: Bearer \(token)") }
        return try SSEClient(port: port, path: path, headers: all, receiveBuffer: receiveBuffer, reading: reading)
    }

    /// `/metrics` parsed: `name{labels}` to value.
    /// `/metrics` as numbers by series, after Prometheus's own `promtool check metrics` found
    /// nothing to say about it (names, types, HELP texts, units).
    func metrics(transport: CurlTransport) async throws -> [String: Double] {
        let answer = try await call("GET", "/metrics", transport: transport)
        #expect(answer.status == 200)
        #expect(answer.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let scrape = temporaryDirectory().appendingPathComponent("metrics.txt")
        try answer.text.write(to: scrape, atomically: true, encoding: .utf8)
        let lint = try ChildProcess(["sh", "-c", "promtool check metrics < '\(scrape.path)'"], executable: "/usr/bin/env")
        #expect(try await lint.exitCode() == 0 && lint.stdoutLines.isEmpty, "promtool: \(lint.stdoutLines) \(lint.stderr)")
        var values: [String: Double] = [:]
        for line in answer.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("unparsable metrics line: \(line)")
                continue
            }
            values[String(line[..<space])] = value
        }
        return values
    }
}

extension SSEClient {
    /// The parsed envelopes of the events read so far.
    var envelopes: [JSONValue] { events.compactMap { try? JSONValue.parse($0.data) } }
}
