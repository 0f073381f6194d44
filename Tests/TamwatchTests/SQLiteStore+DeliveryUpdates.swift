import Foundation
import GRDB

@testable import TamwatchSQLite
@testable import TamwatchStore

// A test's view of the outbox, kept out of the product.
extension SQLiteStore {
    /// The whole outbox now, and again after every commit that changes it (for a test that waits
    /// on what the dispatcher does, instead of polling).
    func deliveryUpdates() -> AsyncThrowingStream<[StoredDelivery], any Error> {
        let observation = ValueObservation.tracking { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM deliveries ORDER BY created_at, rowid").compactMap(Self.stored)
        }
        let pool = self.pool
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await all in observation.values(in: pool) { continuation.yield(all) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
