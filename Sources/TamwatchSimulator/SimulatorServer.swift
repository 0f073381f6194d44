import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TamwatchHTTPServer

/// The simulator's HTTP face: every request goes to a `SimulatorEngine`.
public struct SimulatorServer: Sendable {
    public let engine: SimulatorEngine
    public let host: String
    public let port: Int
    public let logger: Logger

    public init(engine: SimulatorEngine, host: String = "127.0.0.1", port: Int = 0, logger: Logger = Logger(label: "tamwatch.simulator")) {
        self.engine = engine
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Starts serving in the background and returns once the port is bound.
    public func start() async throws -> RunningServer {
        try await RunningServer.start("the simulator", host: host, port: port, makeApplication)
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await makeApplication(onListening: onListening).run()
    }

    private func makeApplication(onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let engine = self.engine
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
            let apiKey = HTTPField.Name("X-API-Key").flatMap { request.headers[$0] }
            let scenario = HTTPField.Name("X-Simulator-Scenario").flatMap { request.headers[$0] }
            let answer = await engine.handle(
                method: request.method.rawValue, path: request.uri.path, query: query,
                apiKey: apiKey, body: Array(body.readableBytesView), scenarioName: scenario)
            var headers = HTTPFields()
            for h in answer.headers {
                if let name = HTTPField.Name(h.name) { headers[name] = h.value }
            }
            return Response(
                status: .init(code: answer.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        return Application(
            responder: responder, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
