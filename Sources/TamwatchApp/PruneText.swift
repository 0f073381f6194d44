import Foundation
import Logging
import ServiceLifecycle
import TamwatchModel
import TamwatchRules
import TamwatchStore

/// How pruning is told to people.
public enum PruneText {
    /// `1,204 events of finished jobs, 3,000 sent deliveries and 12 dead deliveries`
    public static func counts(_ c: PruneCounts) -> String {
        var parts: [String] = []
        if c.events > 0 { parts.append("\(EventText.count(c.events)) events of finished jobs") }
        if c.sent > 0 { parts.append("\(EventText.count(c.sent)) sent deliveries") }
        if c.dead > 0 { parts.append("\(EventText.count(c.dead)) dead deliveries") }
        if c.watches > 0 { parts.append("\(EventText.count(c.watches)) ended watches") }
        if parts.isEmpty { return "nothing" }
        return parts.count == 1 ? parts[0] : parts.dropLast().joined(separator: ", ") + " and " + parts[parts.count - 1]
    }

    /// What `deliveries` and `replay` add when the state file was pruned: nothing otherwise.
    public static func note(_ c: PruneCounts, retention: Duration?) -> String? {
        guard c.total > 0 else { return nil }
        var line = "pruned from this state file so far: \(counts(c))"
        if let at = c.lastAt { line += " (last \(Timestamp.format(at)))" }
        line +=
            retention.map {
                "; state.retention keeps finished jobs' events, sent deliveries and ended watches for \(DurationText.format($0))"
            }
            ?? "; state.retention is off"
        return line
    }
}
