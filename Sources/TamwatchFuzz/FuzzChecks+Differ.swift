import Foundation
import TamwatchModel
import TamwatchWatch

extension FuzzChecks {
    static let statuses = ["pending", "running", "pausing", "paused", "cancelling", "cancelled", "completed", "failed", "queued"]

    /// A build's successive poll answers, made from the input, each read as the client reads
    /// it and diffed against the state before: sequence numbers go up one at a time, the
    /// announced counts never go back, no event id repeats, a build ends at most once, one
    /// observation stays within the burst limit, and an unchanged answer announces nothing.
    public static func differ(_ bytes: [UInt8]) -> String? {
        var input = FuzzInput(bytes)
        var now = Date(timeIntervalSince1970: 1_796_000_000)
        var state: WatchState?
        var seen = Set<String>()
        var terminals = 0
        let settings = input.below(2) == 0 ? DiffSettings() : DiffSettings(milestones: .every(100 * (1 + input.below(50))))
        for poll in 0..<12 where poll == 0 || !input.isEmpty {
            var warnings: [String] = []
            guard let snapshot = try? JobSnapshot(json: answer(&input), warnings: &warnings) else { continue }
            now += Double(input.below(64)) * 60
            let before = state
            let result = Differ.diff(previous: state, current: snapshot, at: now, settings: settings)
            var sequence = before?.sequence ?? 0
            for event in result.events {
                sequence += 1
                if event.sequence != sequence {
                    return "poll \(poll): event \(event.type.rawValue) has sequence \(event.sequence), expected \(sequence)"
                }
                if !seen.insert(event.id).inserted { return "poll \(poll): event id \(event.id) repeats (\(event.type.rawValue))" }
                if event.type == .terminal { terminals += 1 }
            }
            if result.state.sequence != sequence {
                return "poll \(poll): the state's sequence is \(result.state.sequence), events end at \(sequence)"
            }
            if terminals > 1 { return "poll \(poll): the build ended twice" }
            if result.events.count > 120 { return "poll \(poll): \(result.events.count) events from one observation" }
            if let before {
                let after = result.state
                for (name, was, now) in [
                    ("processed high water", before.processedHighWater, after.processedHighWater),
                    ("bands announced", before.bandsAnnounced, after.bandsAnnounced),
                    ("status changes", before.statusChanges, after.statusChanges),
                    ("stalls", before.stalls, after.stalls), ("credit events", before.creditEvents, after.creditEvents),
                ] where now < was {
                    return "poll \(poll): \(name) went back from \(was) to \(now)"
                }
            }
            let again = Differ.diff(previous: result.state, current: snapshot, at: now, settings: settings)
            if !again.events.isEmpty {
                return "poll \(poll): the same answer at the same moment announced \(again.events.map(\.type.rawValue))"
            }
            state = result.state
        }
        return nil
    }

    /// One poll answer: every field present, absent, or odd, as the input says.
    static func answer(_ input: inout FuzzInput) -> JSONValue {
        func count() -> JSONValue {
            switch input.below(4) {
            case 0: return .null
            case 1: return .int(Int64(input.byte()))
            case 2: return .int(Int64(input.int32()))
            default: return .int(Int64(input.byte()) * 1000)
            }
        }
        let status = statuses[input.below(statuses.count)]
        var members: [(String, JSONValue)] = [
            ("job_id", .string("8a8e8a97-8192-48ff-849a-d8a96e949732")), ("status", .string(status)), ("processed", count()),
            ("bands_done", .int(Int64(input.below(8)))), ("bands_total", input.below(2) == 0 ? .int(6) : count()),
            ("degraded", input.below(3) == 0 ? .bool(true) : .bool(false)),
        ]
        if input.below(2) == 0 { members.append(("progress_message", .string("band \(input.byte())"))) }
        if input.below(3) == 0 { members.append(("error_message", .string("failed at \(input.byte())"))) }
        if input.below(2) == 0 {
            members.append(
                (
                    "manifest",
                    .object([
                        ("credits_consumed", input.below(2) == 0 ? .number(Double(input.int32()) / 8) : .null), ("unique_count", count()),
                        ("partial", .bool(input.below(2) == 0)), ("pages", count()),
                    ])
                ))
        }
        return .object(members)
    }
}
