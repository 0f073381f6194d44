import Foundation
import PostgresNIO
import TamwatchStore

/// Changes told with NOTIFY on one channel, the kind as the payload (no data: a hint to look).
extension PostgresStore: StoreChanges {
    static let notifyChannel = "tamwatch"
    /// The listener's `application_name`, as `pg_stat_activity` shows it.
    public static let listenerName = "tamwatch listener"

    /// Sent when the transaction commits; the same kind twice in one transaction is sent once.
    static func notify(_ change: StoreChange, _ db: Statements) async throws { try await notify([change], db) }

    /// Several kinds in one statement.
    static func notify(_ changes: [StoreChange], _ db: Statements) async throws {
        guard !changes.isEmpty else { return }
        try await db.rows("SELECT pg_notify(\(notifyChannel), kind) FROM unnest(\(changes.map(\.rawValue))::text[]) AS kind")
    }

    public func listen(
        onChange: @escaping @Sendable (StoreChange) -> Void, onState: @escaping @Sendable (Bool, String?) -> Void
    ) async {
        var wait = Duration.milliseconds(100)
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(
                    configuration: try Self.connectionConfiguration(location, name: Self.listenerName), id: 1, logger: logger)
            } catch {
                if Task.isCancelled { return }
                onState(false, Self.storeError(location, error).message)
                try? await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(5))
                continue
            }
            var why = "the server closed the connection"
            do {
                try await withTaskCancellationHandler {
                    try await connection.listen(on: Self.notifyChannel) { notifications in
                        onState(true, nil)
                        wait = .milliseconds(100)
                        // Whatever changed while nobody listened here is looked at now.
                        for change in StoreChange.allCases { onChange(change) }
                        for try await n in notifications {
                            if let change = StoreChange(rawValue: n.payload) { onChange(change) }
                        }
                    }
                } onCancel: {
                    let closing: EventLoopFuture<Void> = connection.close()
                    _ = closing
                }
            } catch {
                why = Self.storeError(location, error).message
            }
            // Closed in every case (a connection must be, before it goes).
            try? await connection.close()
            if Task.isCancelled { return }
            onState(false, why)
            try? await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(5))
        }
    }
}
