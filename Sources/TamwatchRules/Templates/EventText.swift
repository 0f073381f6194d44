import Foundation
import TamwatchModel

/// One-line human summaries of events and snapshots, for the terminal.
public enum EventText {
    public static func summary(_ event: Event) -> String {
        let d = event.data
        switch event.type {
        case .statusChanged:
            let from = d["from"]?.stringValue
            let to = d["to"]?.stringValue ?? "?"
            return from.map { "status \($0) → \(to)" } ?? "status \(to) (first seen)"
        case .bandCompleted:
            let total = d["bands_total"]?.intValue.map(String.init) ?? "?"
            var s = "band \(d["band"]?.intValue ?? 0)/\(total) completed"
            if let p = d["processed"]?.intValue { s += " · \(count(p)) processed" }
            return s
        case .processedMilestone:
            return "reached \(count(d["milestone"]?.intValue ?? 0)) companies (\(count(d["processed"]?.intValue ?? 0)) processed)"
        case .progress:
            var parts: [String] = []
            if let p = d["processed"]?.intValue {
                var s = "\(count(p)) processed"
                if let delta = d["processed_delta"]?.intValue, delta != 0 { s += " (\(delta > 0 ? "+" : "")\(count(delta)))" }
                parts.append(s)
            }
            if let m = d["progress_message"]?.stringValue { parts.append(m) }
            return parts.isEmpty ? "progress" : parts.joined(separator: " · ")
        case .degraded:
            return "degraded (\(d["source"]?.stringValue == "manifest" ? "manifest: some grid cells were skipped" : "reported by the job"))"
        case .stalled:
            let seconds = d["stalled_for_seconds"]?.intValue ?? 0
            return "no progress for \(DurationText.format(.seconds(seconds)))"
        case .creditsConsumed:
            var s = "\(number(d["credits_consumed"]?.doubleValue ?? 0)) credits consumed"
            if let u = d["unique_count"]?.intValue { s += " · \(count(u)) unique companies" }
            return s
        case .terminal:
            let status = d["status"]?.stringValue ?? "?"
            var s = status
            if let unique = d["manifest"]?["unique_count"]?.intValue { s += " · \(count(unique)) companies" }
            if let error = d["error_message"]?.stringValue { s += ": \(error)" }
            return s
        case .watchError:
            return "cannot watch: \(d["message"]?.stringValue ?? d["kind"]?.stringValue ?? "unknown error")"
        case .resultsReady:
            let r = d["results"]
            if let error = r?["error"]?.stringValue { return "results not exported: \(error)" }
            // The file's name: where it is on the server is the next step's to say (or not, when attached).
            let name = r?["path"]?.stringValue.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "?"
            return "\(count(r?["rows"]?.intValue ?? 0)) rows exported to \(name)"
        case .budgetWarning:
            return "\(count(d["processed"]?.intValue ?? 0)) of a \(count(d["max_credits"]?.intValue ?? 0))-credit budget spent"
        case .budgetExceeded:
            var s = "budget of \(count(d["max_credits"]?.intValue ?? 0)) credits reached (\(count(d["processed"]?.intValue ?? 0)) spent)"
            let action = d["action"]?.stringValue ?? "notify"
            if action != "notify" {
                let result = d["action_result"]
                let status = result?["status"]?.stringValue ?? "?"
                s +=
                    status == "error" ? "; \(action) failed: \(result?["message"]?.stringValue ?? "?")" : "; \(action) requested: \(status)"
            }
            return s
        case .creditsLow:
            return
                "account credits low: \(number(d["credits_left"]?.doubleValue ?? 0)) left (threshold \(number(d["threshold"]?.doubleValue ?? 0)))"
        }
    }

    /// `HH:MM:SS  8a8e8a97  job.band_completed      band 3/6 completed · 9,120 processed`
    public static func line(_ event: Event) -> String {
        let type = event.type.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)
        return "\(clock(event.occurredAt))  \(TerminalText.safe(shortID(event.jobId)))  \(type)\(TerminalText.safe(summary(event)))"
    }

    /// The text output's line naming a build by its query, written before the first of its
    /// events that carries one: `17:14:31  cdab2a73  build "cloud observability tools"`.
    public static func queryLine(_ event: Event) -> String? {
        guard let query = event.data["query"]?.stringValue, !query.isEmpty else { return nil }
        let label = "build".padding(toLength: 24, withPad: " ", startingAt: 0)
        return "\(clock(event.occurredAt))  \(TerminalText.safe(shortID(event.jobId)))  \(label)\"\(TerminalText.safe(query))\""
    }

    /// A live progress line: status, a band bar, processed and the stage; safe for a terminal.
    public static func progress(_ s: JobSnapshot) -> String {
        TerminalText.safe(progressLine(s))
    }

    static func progressLine(_ s: JobSnapshot) -> String {
        var line = "\(shortID(s.jobId))  \(s.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))"
        if let total = s.bandsTotal, total > 0 {
            let done = min(max(s.bandsDone ?? 0, 0), total)
            let width = min(total, 12)
            let filled = done * width / total
            line +=
                " [" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "] \(done)/\(total) bands"
        }
        if let p = s.processed { line += "  \(count(p)) processed" }
        if let m = s.progressMessage, !m.isEmpty { line += "  \(m)" }
        return line
    }

    public static func shortID(_ id: String) -> String { String(id.prefix(8)) }

    /// The build's query (`data.query`) for a title or a headline: at most `limit` characters,
    /// cut with an ellipsis; nil while the watch does not know it.
    public static func query(_ event: Event, limit: Int = 60) -> String? {
        guard let query = event.data["query"]?.stringValue, !query.isEmpty else { return nil }
        return query.count > limit ? String(query.prefix(limit - 1)) + "…" : query
    }

    public static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    static func number(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? count(Int(d)) : String(format: "%.2f", d)
    }

    static func clock(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var tmv = tm()
        localtime_r(&t, &tmv)
        return String(format: "%02d:%02d:%02d", Int(tmv.tm_hour), Int(tmv.tm_min), Int(tmv.tm_sec))
    }
}
