import Foundation

/// The wall clock, the continuous clock and `Task.sleep`.
public struct SystemClock: WatchClock {
    private static let origin = ContinuousClock.now

    public init() {}
    public func now() -> Date { Date() }
    public func uptime() -> Duration { ContinuousClock.now - Self.origin }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
    public func sleep(until deadline: Duration) async throws {
        try await Task.sleep(until: Self.origin + deadline, clock: .continuous)
    }
}
