import Foundation
import PostgresNIO
import TamwatchModel
import TamwatchStore

/// Events in commit order, by their cursor.
extension PostgresStore: EventFeed {
    public func events(after cursor: Int64, limit: Int) async throws(StoreError) -> [FeedEvent] {
        try await transaction { db in
            try await db.rows("SELECT cursor, body FROM events WHERE cursor > \(cursor) ORDER BY cursor LIMIT \(limit)").compactMap { row in
                let (cursor, body) = try row.decode((Int64, String).self)
                return Self.event(body).map { FeedEvent(cursor: cursor, event: $0) }
            }
        }
    }

    public func lastEventCursor() async throws(StoreError) -> Int64 {
        try await transaction { db in
            try await db.rows("SELECT COALESCE(MAX(cursor), 0) FROM events").first?.decode(Int64.self) ?? 0
        }
    }

    public func events(jobId: String, afterSequence after: Int, limit: Int) async throws(StoreError) -> [Event] {
        try await transaction { db in
            try await db.rows(
                "SELECT body FROM events WHERE job_id = \(jobId) AND sequence > \(after) ORDER BY sequence LIMIT \(limit)"
            ).compactMap { Self.event(try $0.decode(String.self)) }
        }
    }
}
