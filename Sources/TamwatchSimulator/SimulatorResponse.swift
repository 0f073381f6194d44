import Foundation
import TamwatchModel

/// A response from the simulator, independent of the HTTP server that carries it.
public struct SimulatorResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: String

    static func json(_ status: Int, _ value: JSONValue, headers: [HTTPHeader] = []) -> SimulatorResponse {
        SimulatorResponse(status: status, headers: [HTTPHeader("Content-Type", "application/json")] + headers, body: value.serialized())
    }

    static func detail(_ status: Int, _ message: String) -> SimulatorResponse {
        json(status, .object([("detail", .string(message))]))
    }
}
