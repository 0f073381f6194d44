import Foundation
import Synchronization
@testable import TamwatchCore

/// A clock the test moves by hand. `sleep` returns at once and moves it forward, so a watch
/// that backs off for minutes finishes in microseconds.
final class ManualClock: WatchClock, Sendable {
    private let current: Mutex<Date>
    private let slept = Mutex<[Duration]>([])

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    func now() -> Date { current.withLock { $0 } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        slept.withLock { $0.append(duration) }
        advance(duration)
        await Task.yield()
    }

    func advance(_ d: Duration) { current.withLock { $0 = $0.addingTimeInterval(d.seconds) } }

    var sleeps: [Duration] { slept.withLock { $0 } }

    /// Monotonic seconds for the simulator, on the same hand-moved time.
    var seconds: @Sendable () -> Double { { [self] in self.now().timeIntervalSince1970 } }
}

/// Keeps every event it is given.
actor CollectingSink: EventSink {
    private(set) var events: [Event] = []
    func emit(_ events: [Event]) -> Bool {
        self.events += events
        return true
    }
}

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}
