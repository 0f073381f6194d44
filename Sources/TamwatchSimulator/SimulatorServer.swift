import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TamwatchHTTPServer

/// The simulator's HTTP face: every request goes to a `SimulatorEngine`.
public struct SimulatorServer: CallbackServer {
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

    public var serverName: String { "the simulator" }

    public func responder() -> CallbackResponder<BasicRequestContext> {
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
        return responder
    }
}
