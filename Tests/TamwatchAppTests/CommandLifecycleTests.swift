import ServiceLifecycle
import Synchronization
import Testing

@testable import TamwatchApp
@testable import TamwatchModel

/// How every long-running command runs its work beside its services, in-process.
@Suite("Command lifecycle", .timeLimit(.minutes(5)))
struct CommandLifecycleTests {
    /// A service that runs until a graceful shutdown and says so.
    final class Recorder: Service, Sendable {
        let log = Mutex<[String]>([])
        let started = WakeSignal()
        let name: String
        init(_ name: String) { self.name = name }
        func run() async throws {
            log.withLock { $0.append("\(name) started") }
            started.signal()
            try? await gracefulShutdown()
            log.withLock { $0.append("\(name) stopped") }
        }
    }

    @Test("the work runs beside its services; its result comes back once they have stopped")
    func result() async {
        let service = Recorder("dispatcher")
        let value = await CommandLifecycle.run(services: [service]) { () -> Int in
            await service.started.wait()
            return 42
        }
        #expect(value == 42)
        #expect(service.log.withLock { $0 } == ["dispatcher started", "dispatcher stopped"], "nothing outlives the command")
    }

    @Test("a stop signal cancels the work (as a closed stdout does); its services stop too")
    func stop() async {
        let service = Recorder("receiver")
        let stop = WakeSignal()
        let value = await CommandLifecycle.run(services: [service], stop: stop) { () -> String in
            stop.signal()
            // Waits for nothing but the cancellation the signal brings.
            try? await Task.sleep(for: .seconds(3600))
            return Task.isCancelled ? "cancelled" : "ran out"
        }
        #expect(value == "cancelled")
        #expect(service.log.withLock { $0.last } == "receiver stopped")
    }
}
