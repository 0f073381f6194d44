/// The fields an event envelope has, so a `where` condition on a field no selected event carries
/// (a typo such as `data.unique_count` on `job.terminal`) is a configuration error, not a rule
/// that silently never matches.
public enum EventFields {
    static let top: Set<String> = ["id", "type", "job_id", "sequence", "occurred_at", "data", "job", "labels"]
    static let job: Set<String> = ["status", "processed", "bands_done", "bands_total", "degraded", "progress_message", "manifest"]
    static let manifest: Set<String> = [
        "pages", "page_size", "unique_count", "partial", "degraded", "ranked", "stop_reason",
        "credits_consumed",
    ]

    /// The `data` members of each event type (docs/events.md).
    public static func data(_ type: EventType) -> [String] {
        switch type {
        case .statusChanged: return ["from", "to"]
        case .bandCompleted: return ["band", "bands_done", "bands_total", "processed"]
        case .processedMilestone: return ["milestone", "processed"]
        case .progress: return ["processed", "processed_delta", "progress_message", "rate_per_minute", "credits_left_in_budget"]
        case .degraded: return ["source"]
        case .stalled: return ["stalled_for_seconds"]
        case .creditsConsumed: return ["credits_consumed", "unique_count"]
        case .terminal: return ["status", "error_message", "manifest", "top"]
        case .resultsReady: return ["results"]
        case .budgetWarning: return ["processed", "max_credits"]
        case .budgetExceeded: return ["processed", "max_credits", "action", "action_result"]
        case .creditsLow: return ["credits_left", "credits_used", "total_credits", "threshold"]
        case .watchError: return ["kind", "http_status", "message"]
        }
    }

    /// nil when `field` exists on at least one of `types`; otherwise why not.
    public static func problem(_ field: [String], types: [EventType]) -> String? {
        guard let head = field.first else { return "empty field" }
        let name = field.joined(separator: ".")
        guard top.contains(head) else {
            return "unknown field '\(name)' (an event has: \(top.sorted().joined(separator: ", ")))"
        }
        switch head {
        case "labels":
            return field.count == 2 ? nil : "'\(name)': labels are one level deep (labels.owner)"
        case "job":
            return jobProblem(Array(field.dropFirst()), name: name)
        case "data":
            guard field.count >= 2 else { return nil }
            let available = Set(types.flatMap(data))
            if !available.contains(field[1]) {
                let kinds = types.map(\.rawValue).joined(separator: ", ")
                return "'\(name)' is not in the data of \(kinds) (it has: \(available.sorted().joined(separator: ", ")))"
            }
            if field[1] == "manifest", field.count >= 3, !manifest.contains(field[2]) {
                return "'\(name)': a manifest has \(manifest.sorted().joined(separator: ", "))"
            }
            return nil
        default:
            return field.count == 1 ? nil : "'\(name)': \(head) has no members"
        }
    }

    static func jobProblem(_ rest: [String], name: String) -> String? {
        guard let first = rest.first else { return nil }
        guard job.contains(first) else { return "'\(name)': job has \(job.sorted().joined(separator: ", "))" }
        if first == "manifest", rest.count >= 2, !manifest.contains(rest[1]) {
            return "'\(name)': a manifest has \(manifest.sorted().joined(separator: ", "))"
        }
        return nil
    }

    /// The event types a rule's `on` patterns select.
    public static func selected(by patterns: [String]) -> [EventType] {
        EventType.allCases.filter { type in patterns.contains { type.matches(pattern: $0) } }
    }
}
