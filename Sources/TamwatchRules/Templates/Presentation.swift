import Foundation
import TamwatchModel

/// What a person reading a notification wants at a glance, for templates: a title, an emoji and
/// a colour for the kind of news, figures written out, and what to do next.
enum Presentation {
    enum Tone { case good, bad, warning, info }

    static func of(_ event: Event) -> [String: Any] {
        let d = event.data
        let status = d["status"]?.stringValue ?? event.job["status"]?.stringValue ?? ""
        let (title, tone, next): (String, Tone, String)
        switch event.type {
        case .statusChanged:
            title = "Status: \(d["to"]?.stringValue ?? status)"
            tone = .info
            next =
                d["to"]?.stringValue == "paused"
                ? "The build is paused; resume it to carry on." : "No action needed; updates follow as it runs."
        case .bandCompleted:
            title = "Band \(d["band"]?.intValue ?? 0) of \(d["bands_total"]?.intValue.map(String.init) ?? "?") done"
            tone = .info
            next = "No action needed; the list grows band by band."
        case .processedMilestone:
            title = "\(EventText.count(d["milestone"]?.intValue ?? 0)) companies reached"
            tone = .info
            next = "No action needed."
        case .progress:
            title = "Progress"
            tone = .info
            next = "No action needed."
        case .degraded:
            title = "Build degraded"
            tone = .warning
            next = "Some grid cells were skipped: the list may be incomplete. Consider resubmitting when it ends."
        case .stalled:
            title = "Build stalled"
            tone = .warning
            next = "No progress for a while: check OpenFunnel's status, or cancel and resubmit."
        case .creditsConsumed:
            title = "Credits consumed"
            tone = .info
            next = "Check the credit balance if more builds are queued."
        case .terminal:
            switch status {
            case "completed":
                title = "TAM build completed"
                tone = .good
                next = "The ranked list is ready: tamwatch export \(event.jobId) writes all of it to a CSV file."
            case "failed":
                title = "TAM build failed"
                tone = .bad
                next = "Read the error, fix the query or wait for the service, then resubmit."
            default:
                title = "TAM build \(status)"
                tone = .warning
                next = "The build was cancelled; resubmit if the list is still needed."
            }
        case .watchError:
            title = "Cannot watch the build"
            tone = .bad
            next =
                d["kind"]?.stringValue == "unauthorized" ? "Check OPENFUNNEL_API_KEY." : "Check the job id and that the API is reachable."
        case .resultsReady:
            let failed = d["results"]?["error"] != nil
            title = failed ? "Results export failed" : "Results ready"
            tone = failed ? .bad : .good
            next =
                failed
                ? "Export it by hand: tamwatch export \(event.jobId)"
                : "The whole list is in \(d["results"]?["path"]?.stringValue ?? "the results folder")."
        case .budgetWarning:
            title = "Credit budget almost spent"
            tone = .warning
            next =
                "The guard acts at \(EventText.count(d["max_credits"]?.intValue ?? 0)) credits; raise the budget if the build should go on."
        case .budgetExceeded:
            title = "Credit budget reached"
            tone = .bad
            switch d["action"]?.stringValue {
            case "pause": next = "The guard asked OpenFunnel to pause the build; resume it to spend more."
            case "cancel": next = "The guard asked OpenFunnel to cancel the build; its list so far can still be exported."
            default: next = "Nothing was stopped: pause or cancel the build if it should not spend more."
            }
        case .creditsLow:
            title = "OpenFunnel credits low"
            tone = .warning
            next = "Top up the account before the next builds run out of credits."
        }
        var out: [String: Any] = [
            // The build's query names it for a person: "TAM build completed · B2B payments startups".
            "title": EventText.query(event).map { "\(title) · \($0)" } ?? title, "next_step": next, "emoji": emoji(tone),
            "color_hex": hex(tone),
            "color_int": Int(hex(tone).dropFirst(), radix: 16) ?? 0, "teams_style": teamsStyle(tone),
        ]
        let manifest = event.job["manifest"]
        if let credits = manifest?["credits_consumed"]?.doubleValue ?? d["credits_consumed"]?.doubleValue {
            out["credits_text"] = EventText.number(credits)
        }
        if let unique = manifest?["unique_count"]?.intValue ?? d["unique_count"]?.intValue { out["unique_text"] = EventText.count(unique) }
        if let message = d["error_message"]?.stringValue ?? d["message"]?.stringValue { out["error_text"] = message }
        if let rate = d["rate_per_minute"]?.intValue { out["rate_text"] = "\(EventText.count(rate)) companies/min" }
        if let left = d["credits_left_in_budget"]?.intValue { out["budget_text"] = "\(EventText.count(left)) credits left in budget" }
        if case .array(let rows)? = d["top"], !rows.isEmpty {
            // The highest-ranked companies of a finished build: `{{#top_heading}}` guards the block.
            out["top_heading"] = rows.count == 1 ? "Top company" : "Top \(rows.count) companies"
            out["top_companies"] = rows.enumerated().map { i, row -> [String: Any] in
                var company: [String: Any] = ["rank": i + 1, "name": row["name"]?.stringValue ?? row["domain"]?.stringValue ?? "?"]
                if let domain = row["domain"]?.stringValue { company["domain"] = domain }
                if let score = row["match_score"]?.intValue { company["score"] = score }
                if let band = row["source_band"]?.stringValue { company["band"] = band }
                return company
            }
        }
        return out
    }

    static func emoji(_ tone: Tone) -> String {
        switch tone {
        case .good: return "✅"
        case .bad: return "❌"
        case .warning: return "⚠️"
        case .info: return "🔄"
        }
    }

    static func hex(_ tone: Tone) -> String {
        switch tone {
        case .good: return "#2EB67D"
        case .bad: return "#E01E5A"
        case .warning: return "#ECB22E"
        case .info: return "#36C5F0"
        }
    }

    /// Adaptive Card text colours.
    static func teamsStyle(_ tone: Tone) -> String {
        switch tone {
        case .good: return "Good"
        case .bad: return "Attention"
        case .warning: return "Warning"
        case .info: return "Accent"
        }
    }
}
