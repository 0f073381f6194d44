import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import TamwatchConfig
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchOpenFunnel
@testable import TamwatchSQLite
@testable import TamwatchServe
@testable import TamwatchSimulator
@testable import TamwatchTesting

/// The API's behaviours in-process, through the router (HummingbirdTesting's router mode): no
/// socket, no process; OpenFunnel is the simulator over loopback. The connection-level and
/// Host-header behaviours, and the running service, are the end-to-end tests'.
@Suite("The API through its router", .timeLimit(.minutes(5)))
struct APIRouterTests {
    static let writer = "router-write-token-0123456789abcdef"
    static let reader = "router-read-token-0123456789abcdef"

    /// The service as `tamwatch serve` assembles it (`ServeSetup`, from a configuration file),
    /// on a fresh state file; its router is given to `body` with an OpenFunnel client to submit
    /// builds with.
    func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, OpenFunnelClient) async throws -> Void) async throws {
        let engine = SimulatorEngine(apiKey: "k", pace: .perPoll(.seconds(5)))
        try await with(try await SimulatorServer(engine: engine).start()) { sim async throws in
            let file = temporaryPath("tamwatch.yaml")
            try """
            api: { key: k, base_url: "\(sim.baseURL)" }
            state: { path: "\(temporaryPath("state.sqlite"))" }
            serve:
              tokens:
                - { name: ci, scope: write, token: \(Self.writer) }
                - { name: viewer, scope: read, token: \(Self.reader) }
              max_watches: 2
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let config = try ConfigLoader(environment: [:]).load(path: file)
            let transport = CurlTransport()
            defer { transport.shutdown() }
            let store = try SQLiteStore(path: config.statePath)
            let client = OpenFunnelClient(baseURL: config.api.baseURL, apiKey: "k", transport: transport)
            let setup = try await ServeSetup.make(
                config: config, store: store, shared: nil, client: client, transport: transport, flags: ServeSetup.Flags())
            try await Application(router: setup.server.buildRouter()).test(.router) { api in try await body(api, client) }
        }
    }

    func headers(_ token: String?, json: Bool = false, origin: String? = nil) -> HTTPFields {
        var h = HTTPFields()
        if let token { h[.authorization] = "Bearer \(token)" }
        if json { h[.contentType] = "application/json" }
        if let origin { h[.origin] = origin }
        return h
    }

    func json(_ response: TestResponse) -> JSONValue? { try? JSONValue.parse(String(buffer: response.body)) }

    @Test("no token or a wrong one is a 401 problem; a read token cannot write (403); probes need none")
    func tokensAndScopes() async throws {
        try await withAPI { api, _ in
            let none = try await api.execute(uri: "/api/v1/watches", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.contentType] == "application/problem+json")
            #expect(try await api.execute(uri: "/api/v1/watches", method: .get, headers: headers("nope")).status == .unauthorized)
            #expect(try await api.execute(uri: "/api/v1/watches", method: .get, headers: headers(Self.reader)).status == .ok)
            let write = try await api.execute(
                uri: "/api/v1/watches", method: .post, headers: headers(Self.reader, json: true),
                body: ByteBuffer(string: #"{"job_id": "8a8e8a97-0000-4000-8000-000000000000"}"#))
            #expect(write.status == .forbidden, "\(String(buffer: write.body))")
            #expect(try await api.execute(uri: "/-/healthy", method: .get).status == .ok)
        }
    }

    @Test("registering: a malformed job id is a 422 naming job_id, an unknown one a 404, a real one 201 then 200, past max_watches 429")
    func registering() async throws {
        try await withAPI { api, openFunnel in
            func register(_ body: String) async throws -> TestResponse {
                try await api.execute(
                    uri: "/api/v1/watches", method: .post, headers: headers(Self.writer, json: true), body: ByteBuffer(string: body))
            }
            let bad = try await register(#"{"job_id": "../etc"}"#)
            #expect(bad.status == .unprocessableContent, "\(String(buffer: bad.body))")
            #expect(json(bad)?["errors"]?[0]?["field"]?.stringValue == "job_id", "\(String(buffer: bad.body))")
            let unknown = try await register(#"{"job_id": "8a8e8a97-0000-4000-8000-000000000000"}"#)
            #expect(unknown.status == .notFound, "\(String(buffer: unknown.body))")
            #expect(json(unknown)?["errors"]?[0]?["field"]?.stringValue == "job_id", "OpenFunnel was asked, and said no")

            let job = try await openFunnel.submit(query: "cloud observability tools").jobId
            let created = try await register(#"{"job_id": "\#(job)", "labels": {"owner": "ana"}}"#)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            #expect(json(created)?["labels"]?["owner"]?.stringValue == "ana")
            #expect(try await register(#"{"job_id": "\#(job)"}"#).status == .ok, "registering again is not a second watch")
            let listed = try await api.execute(uri: "/api/v1/watches?label=owner=ana", method: .get, headers: headers(Self.reader))
            #expect(json(listed)?["data"]?[0]?["job_id"]?.stringValue == job)

            _ = try await register(#"{"job_id": "\#(try await openFunnel.submit(query: "second").jobId)"}"#)
            let third = try await register(#"{"job_id": "\#(try await openFunnel.submit(query: "third").jobId)"}"#)
            #expect(third.status == .tooManyRequests, "max_watches is 2: \(String(buffer: third.body))")
        }
    }

    @Test("a body that is not JSON is a 415; a foreign page's write is a 403; an unrouted method a 405 with Allow")
    func requestPolicy() async throws {
        try await withAPI { api, _ in
            var form = headers(Self.writer)
            form[.contentType] = "application/x-www-form-urlencoded"
            let notJSON = try await api.execute(
                uri: "/api/v1/watches", method: .post, headers: form, body: ByteBuffer(string: "job_id=x"))
            #expect(notJSON.status == .unsupportedMediaType)
            let foreign = try await api.execute(
                uri: "/api/v1/watches", method: .post, headers: headers(Self.writer, json: true, origin: "https://evil.example"),
                body: ByteBuffer(string: "{}"))
            #expect(foreign.status == .forbidden)
            let wrong = try await api.execute(uri: "/api/v1/channels", method: .put, headers: headers(Self.writer))
            #expect(wrong.status == .methodNotAllowed && wrong.headers[.allow] == "GET")
        }
    }

    @Test("lists: limit and cursor are checked and named; deliveries page newest first with a cursor")
    func lists() async throws {
        try await withAPI { api, _ in
            let zero = try await api.execute(uri: "/api/v1/deliveries?limit=0", method: .get, headers: headers(Self.reader))
            #expect(zero.status == .badRequest && String(buffer: zero.body).contains("limit"))
            let cursor = try await api.execute(uri: "/api/v1/watches?cursor=zz", method: .get, headers: headers(Self.reader))
            #expect(cursor.status == .badRequest && String(buffer: cursor.body).contains("cursor"))
            let status = try await api.execute(uri: "/api/v1/deliveries?status=lost", method: .get, headers: headers(Self.reader))
            #expect(status.status == .badRequest && String(buffer: status.body).contains("status"))
            let empty = try await api.execute(uri: "/api/v1/deliveries", method: .get, headers: headers(Self.reader))
            #expect(empty.status == .ok && json(empty)?["data"]?.arrayItems.isEmpty == true && json(empty)?["next_cursor"] == .null)
        }
    }
}
