import Foundation
import GRDB

@testable import TamwatchSQLite
@testable import TamwatchStore
@testable import TamwatchTesting

// A test's view of the outbox, kept out of the product.
extension SQLiteStore {
    /// The whole outbox now, and again after every commit that changes it (for a test that waits
    /// on what the dispatcher does, instead of polling).
    func deliveryUpdates() -> AsyncThrowingStream<[StoredDelivery], any Error> {
        updates { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM deliveries ORDER BY created_at, rowid").compactMap(Self.stored)
        }
    }

    /// What `fetch` reads now, and again after every commit that changes what it read.
    func updates<T: Sendable>(_ fetch: @escaping @Sendable (Database) throws -> T) -> AsyncThrowingStream<T, any Error> {
        let observation = ValueObservation.tracking(fetch)
        let pool = self.pool
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await value in observation.values(in: pool) { continuation.yield(value) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// The first of `updates` for which `done` holds; past `timeout` (real time: the far side is
/// loopback I/O), `NeverHappened` naming `what`.
func first<S: AsyncSequence & Sendable>(
    _ what: String, of updates: S, timeout: Duration = .seconds(20), where done: @escaping @Sendable (S.Element) -> Bool
) async throws -> S.Element where S.Element: Sendable {
    let watcher = Task { () -> S.Element? in
        for try await value in updates where done(value) { return value }
        return nil
    }
    let alarm = Task {
        try await Task.sleep(for: timeout)
        watcher.cancel()
    }
    defer { alarm.cancel() }
    guard case .success(let found?) = await watcher.result else { throw NeverHappened(what: what, timeout: timeout) }
    return found
}
