import Hummingbird

/// A server (the simulator, a receiver) serving in the background of this process.
public struct RunningServer: Sendable {
    public let port: Int
    public let host: String
    let task: Task<Void, any Error>

    public var baseURL: String { "http://\(host):\(port)" }

    /// Runs a Hummingbird application in a task of its own and returns once its port is bound;
    /// `what` names it in the error when it stops before that.
    public static func start<App: ApplicationProtocol>(
        _ what: String, host: String, port: Int,
        _ make: (@escaping @Sendable (Int) -> Void) -> App
    ) async throws -> RunningServer {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in
            continuation.yield(port); continuation.finish()
        }
        let task = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            task.cancel()
            _ = try await task.value
            throw ServerStartError(message: "\(what) stopped before it was listening on \(host):\(port)")
        }
        return RunningServer(port: bound, host: host, task: task)
    }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
