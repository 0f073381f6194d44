import Foundation
import TamwatchModel
import TamwatchStore

/// The API's JSON for watches, events, deliveries and channels. Nothing here carries a URL,
/// a token or a secret.
enum WatchJSON {
    static func watch(_ w: WatchRecord, lastPolledAt: Date?) -> JSONValue {
        let s = w.state?.snapshot
        return .object([
            ("job_id", .string(w.jobId)),
            ("active", .bool(w.active)),
            ("status", .string(w.status)),
            ("labels", JSONBody.labels(w.labels)),
            ("processed", JSONBody.int(s?.processed)),
            ("bands_done", JSONBody.int(s?.bandsDone)),
            ("bands_total", JSONBody.int(s?.bandsTotal)),
            ("degraded", s.map { .bool(($0.degraded ?? false) || ($0.manifest?.degraded ?? false)) } ?? .null),
            ("credits_consumed", s?.manifest?.creditsConsumed.map { JSONValue.number($0) } ?? .null),
            ("progress_message", JSONBody.string(s?.progressMessage)),
            ("created_at", JSONBody.date(w.createdAt)),
            ("last_polled_at", JSONBody.date(lastPolledAt)),
            ("last_event_at", JSONBody.date(w.lastEventAt)),
            ("finished_at", JSONBody.date(w.finishedAt)),
            ("stopped_at", JSONBody.date(w.stoppedAt)),
            ("error", JSONBody.string(w.error)),
            ("max_credits", JSONBody.int(w.maxCredits)),
            ("guard_action", JSONBody.string(w.guardAction)),
        ])
    }

    static func delivery(_ d: StoredDelivery, attempts: [AttemptLogEntry]? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(d.id)),
            ("event_id", .string(d.delivery.eventId)),
            ("job_id", .string(d.delivery.jobId)),
            ("event_type", .string(d.delivery.eventType.rawValue)),
            ("channel", .string(d.delivery.channel)),
            ("rule", .string(d.delivery.rule)),
            ("status", .string(d.status.rawValue)),
            ("attempt_count", .int(Int64(d.attempts))),
            ("created_at", JSONBody.date(d.delivery.createdAt)),
            ("next_at", d.status == .pending ? JSONBody.date(d.nextAt) : .null),
            ("last_attempt_at", JSONBody.date(d.lastAttemptAt)),
            ("sent_at", JSONBody.date(d.sentAt)),
            ("last_status", JSONBody.int(d.lastStatus)),
            ("last_error", JSONBody.string(d.lastError)),
        ]
        if let attempts {
            members.append(
                (
                    "attempts",
                    .array(
                        attempts.map { a in
                            .object([
                                ("at", JSONBody.date(a.at)), ("status_code", JSONBody.int(a.statusCode)),
                                ("duration_ms", JSONBody.int(a.durationMs)), ("error", JSONBody.string(a.error)),
                                ("response_excerpt", JSONBody.string(a.responseExcerpt)),
                            ])
                        })
                ))
        }
        return .object(members)
    }
}
