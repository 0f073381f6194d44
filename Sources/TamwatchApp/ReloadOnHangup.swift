import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on every SIGHUP, until the command stops.
public struct ReloadOnHangup: Service {
    let reloader: Reloader

    public init(reloader: Reloader) { self.reloader = reloader }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in hangups {
                // A failed reload is logged and counted; the running configuration stays.
                _ = try? await reloader.reload()
            }
        }
    }
}
