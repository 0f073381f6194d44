import Hummingbird
import Logging

/// A Hummingbird server whose every request goes to one responder (the simulator, the
/// receiver): run in the background (`start`) or in the caller's task (`run`).
public protocol CallbackServer: Sendable {
    var host: String { get }
    var port: Int { get }
    var logger: Logger { get }
    /// Names the server in the error when it stops before listening ("the simulator").
    var serverName: String { get }
    func responder() -> CallbackResponder<BasicRequestContext>
}

extension CallbackServer {
    /// Starts serving in the background and returns once the port is bound.
    public func start() async throws -> RunningServer {
        try await RunningServer.start(serverName, host: host, port: port, application)
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await application(onListening: onListening).run()
    }

    func application(onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        Application(
            responder: responder(), configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
