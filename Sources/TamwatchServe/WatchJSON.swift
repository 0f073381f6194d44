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
            ("query", JSONBody.string(w.query)),
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
            ("last_event_type", JSONBody.string(w.lastEventType)),
            ("finished_at", JSONBody.date(w.finishedAt)),
            ("stopped_at", JSONBody.date(w.stoppedAt)),
            ("error", JSONBody.string(w.error)),
            ("max_credits", JSONBody.int(w.maxCredits)),
            ("guard_action", JSONBody.string(w.guardAction)),
        ])
    }
}
