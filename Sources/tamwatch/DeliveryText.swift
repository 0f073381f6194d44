import ArgumentParser
import Foundation
import TamwatchConfig
import TamwatchModel
import TamwatchRules
import TamwatchStore

/// How deliveries are shown by `deliveries` and `replay`.
enum DeliveryText {
    /// Each configured channel's kind, so an answer is labelled SMTP or HTTP as it was.
    static func kinds(_ config: TamwatchConfig) -> [String: ChannelType] {
        Dictionary(config.channels.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    }

    /// `HTTP 503`, `SMTP 451`: the last answer with the protocol it came in.
    static func answer(_ status: Int, kind: ChannelType?) -> String { "\(kind == .email ? "SMTP" : "HTTP") \(status)" }

    /// What a replay did: every delivery when there are few, else the counts by status and the
    /// first of those that were not sent.
    static func report(_ list: [StoredDelivery], now: Date, kinds: [String: ChannelType]) -> String {
        guard list.count > 50 else { return table(list, now: now, kinds: kinds) }
        let sent = list.filter { $0.status == .sent }.count
        let notSent = list.filter { $0.status != .sent }
        var out =
            "\(list.count) deliveries replayed: \(sent) sent, \(notSent.filter { $0.status == .pending }.count) pending, "
            + "\(notSent.filter { $0.status == .dead }.count) dead\n"
        if !notSent.isEmpty {
            out += "\nNot sent (the first \(min(20, notSent.count)); tamwatch deliveries lists them all):\n"
            out += table(Array(notSent.prefix(20)), now: now, kinds: kinds)
        }
        return out
    }

    /// One line per delivery; a build is shown by its id's first 8 characters and, where
    /// `queries` knows it, its query cut to 24 characters.
    static func table(
        _ list: [StoredDelivery], now: Date, kinds: [String: ChannelType] = [:], queries: [String: String] = [:]
    ) -> String {
        var rows = [["ID", "STATUS", "TRIES", "CHANNEL", "EVENT", "BUILD", "NEXT", "LAST"]]
        for d in list {
            let x = d.delivery
            let status = d.lastStatus.map { answer($0, kind: kinds[x.channel]) }
            var last = status ?? (d.attempts == 0 ? "-" : "no answer")
            if let e = d.lastError, d.status != .sent {
                // The error usually names the status itself ("HTTP 403: the receiver refused…").
                last = status.map { e.hasPrefix($0) } == true ? e : last + ": " + e
            }
            last = TerminalText.safe(last)
            let next: String
            if d.status == .pending {
                let wait = d.nextAt.timeIntervalSince(now)
                next = wait <= 0 ? "now" : "in " + DurationText.format(.seconds(Int64(wait.rounded(.up))))
            } else {
                next = "-"
            }
            rows.append([
                String(x.id.prefix(12)), d.status.rawValue, String(d.attempts), x.channel, x.eventType.rawValue,
                build(x.jobId, query: queries[x.jobId]), next, last,
            ])
        }
        let widths = (0..<rows[0].count - 1).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            var line = ""
            for (c, cell) in row.enumerated() {
                if c < widths.count { line += cell.padding(toLength: widths[c] + 2, withPad: " ", startingAt: 0) } else { line += cell }
            }
            return line
        }.joined(separator: "\n") + "\n"
    }

    /// `8a8e8a97 "cloud observability an…"`
    static func build(_ jobId: String, query: String?) -> String {
        guard let query else { return EventText.shortID(jobId) }
        let cut = query.count > 24 ? String(query.prefix(23)) + "…" : query
        return "\(EventText.shortID(jobId)) \"\(TerminalText.safe(cut))\""
    }
}
