import Foundation

/// The watcher's only access to time, so tests can run a whole watch without sleeping.
public protocol WatchClock: Sendable {
    func now() -> Date
    func sleep(for duration: Duration) async throws
}

/// The wall clock and `Task.sleep`.
public struct SystemClock: WatchClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
