import Foundation
import TamwatchModel

extension StoredDelivery {
    /// The one way a delivery is shown as JSON: `deliveries --output ndjson`, `replay`'s output
    /// and the API (`/api/v1/deliveries`, described in its OpenAPI document) use these names.
    /// `attempts` is there when the attempts were read (one delivery's view), never a count;
    /// `query` is the build's, where known.
    public func json(query: String?, attempts log: [AttemptLogEntry]? = nil) -> JSONValue {
        func date(_ d: Date?) -> JSONValue { d.map { .string(Timestamp.format($0)) } ?? .null }
        var members: [(String, JSONValue)] = [
            ("id", .string(id)),
            ("event_id", .string(delivery.eventId)),
            ("job_id", .string(delivery.jobId)),
            ("query", .optional(query)),
            ("event_type", .string(delivery.eventType.rawValue)),
            ("channel", .string(delivery.channel)),
            ("rule", .string(delivery.rule)),
            ("status", .string(status.rawValue)),
            ("attempt_count", .int(Int64(attempts))),
            ("created_at", date(delivery.createdAt)),
            ("next_at", status == .pending ? date(nextAt) : .null),
            ("last_attempt_at", date(lastAttemptAt)),
            ("sent_at", date(sentAt)),
            ("last_status", .optional(lastStatus)),
            ("last_error", .optional(lastError)),
            ("folded", .int(Int64(delivery.folded))),
            ("render_error", .optional(delivery.renderError)),
        ]
        if let log {
            members.append(
                (
                    "attempts",
                    .array(
                        log.map { a in
                            .object([
                                ("at", date(a.at)), ("status_code", .optional(a.statusCode)), ("duration_ms", .optional(a.durationMs)),
                                ("error", .optional(a.error)), ("response_excerpt", .optional(a.responseExcerpt)),
                            ])
                        })
                ))
        }
        return .object(members)
    }
}
