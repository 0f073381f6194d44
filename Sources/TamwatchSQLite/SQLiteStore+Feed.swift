import Foundation
import GRDB
import TamwatchModel
import TamwatchStore

/// Events in commit order, by their cursor (the events table's AUTOINCREMENT key).
extension SQLiteStore: EventFeed {
    public func events(after cursor: Int64, limit: Int) async throws(StoreError) -> [FeedEvent] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT cursor, body FROM events WHERE cursor > ? ORDER BY cursor LIMIT ?", arguments: [cursor, limit]
            ).compactMap { row in
                guard let json = try? JSONValue.parse(row[1] as String), let event = Event(json: json) else { return nil }
                return FeedEvent(cursor: row[0], event: event)
            }
        }
    }

    public func lastEventCursor() async throws(StoreError) -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(cursor) FROM events") ?? 0 }
    }

    public func events(jobId: String, afterSequence after: Int, limit: Int) async throws(StoreError) -> [Event] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM events WHERE job_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [jobId, after, limit]
            ).compactMap { try? JSONValue.parse($0) }.compactMap(Event.init(json:))
        }
    }
}
