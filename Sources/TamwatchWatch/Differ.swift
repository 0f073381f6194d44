import Foundation
import TamwatchModel

/// Turns successive snapshots of one job into events. Pure: no I/O and no clock reads.
public enum Differ {
    /// At most this many band or milestone events from one observation, whatever the API claims.
    static let burstLimit = 100

    public static func diff(
        previous: WatchState?, current: JobSnapshot, at now: Date,
        settings: DiffSettings, labels: [String: String] = [:], query: String? = nil
    ) -> DiffResult {
        var b = EventBuilder(
            state: previous ?? WatchState(lastProgressAt: now), current: current, now: now, labels: labels, query: query)

        guard let last = b.state.snapshot else {
            // First observation: the baseline. Work done before the watch began is not announced.
            b.emit(.statusChanged, key: "status:0", [("from", .null), ("to", .string(current.status.rawValue))])
            b.state.bandsAnnounced = b.bandsDone ?? 0
            b.state.processedHighWater = max(0, current.processed ?? 0)
            b.state.lastProgressAt = now
            if let processed = current.processed { b.state.pace = [PaceSample(at: now, processed: processed)] }
            b.announceDegraded(last: nil)
            b.announceCredits()
            b.announceTerminal()
            b.state.snapshot = current.withoutRows
            return DiffResult(state: b.state, events: b.events, warnings: b.warnings)
        }

        var progressed = false
        if current.status != last.status {
            b.state.statusChanges += 1
            b.emit(
                .statusChanged, key: "status:\(b.state.statusChanges)",
                [("from", .string(last.status.rawValue)), ("to", .string(current.status.rawValue))])
            progressed = true
        }

        if let done = b.bandsDone, done > b.state.bandsAnnounced {
            let first = b.state.bandsAnnounced + 1
            let last = min(done, b.state.bandsAnnounced + burstLimit)
            for band in first...last {
                b.emit(
                    .bandCompleted, key: "band:\(band)",
                    [
                        ("band", .int(Int64(band))), ("bands_done", .int(Int64(done))),
                        ("bands_total", .optional(current.bandsTotal)), ("processed", .optional(current.processed)),
                    ])
            }
            if last < done {
                b.warnings.append(
                    "job \(current.jobId): bands_done jumped from \(b.state.bandsAnnounced) to \(done) in one poll; "
                        + "announced bands \(first)-\(last) only")
            }
            b.state.bandsAnnounced = done
            progressed = true
        }

        if let processed = current.processed, processed > b.state.processedHighWater {
            let reached = settings.milestones(above: b.state.processedHighWater, upTo: processed, limit: burstLimit + 1)
            for milestone in reached.prefix(burstLimit) {
                b.emit(
                    .processedMilestone, key: "milestone:\(milestone)",
                    [("milestone", .int(Int64(milestone))), ("processed", .int(Int64(processed)))])
            }
            if reached.count > burstLimit {
                b.warnings.append(
                    "job \(current.jobId): processed jumped from \(b.state.processedHighWater) to \(processed) in one poll; "
                        + "announced the first \(burstLimit) milestones only")
            }
            b.state.processedHighWater = processed
        }

        if current.processed != last.processed || current.progressMessage != last.progressMessage {
            let delta: JSONValue
            if let after = current.processed, let before = last.processed { delta = .int(Int64(after - before)) } else { delta = .null }
            if let processed = current.processed, processed != last.processed {
                b.state.pace = Array((b.state.pace + [PaceSample(at: now, processed: processed)]).suffix(PaceSample.kept))
            }
            b.emit(
                .progress, key: "progress:\(b.state.sequence + 1)",
                [
                    ("processed", .optional(current.processed)), ("processed_delta", delta),
                    ("progress_message", .optional(current.progressMessage)),
                    ("rate_per_minute", .optional(PaceSample.ratePerMinute(b.state.pace))),
                ]
                    + (b.state.budget.map { [("credits_left_in_budget", .int(Int64($0.left(after: current.processed ?? 0))))] }
                        ?? []))
            progressed = true
        }

        b.announceDegraded(last: last)
        b.announceCredits()

        if progressed {
            b.state.lastProgressAt = now
            b.state.stallAnnounced = false
        } else if current.status == .running, !b.state.stallAnnounced, let stallAfter = settings.stallAfter {
            let idle = now.timeIntervalSince(b.state.lastProgressAt)
            if idle >= stallAfter.seconds {
                b.state.stalls += 1
                b.state.stallAnnounced = true
                b.emit(.stalled, key: "stalled:\(b.state.stalls)", [("stalled_for_seconds", .int(Int64(idle.rounded(.down))))])
            }
        }

        b.announceTerminal()
        b.state.snapshot = current.withoutRows
        return DiffResult(state: b.state, events: b.events, warnings: b.warnings)
    }

    /// The `watch.error` event for a job that can no longer be watched.
    public static func watchError(
        previous: WatchState?, jobId: String, kind: String, httpStatus: Int?,
        message: String, at now: Date, labels: [String: String] = [:], query: String? = nil
    ) -> DiffResult {
        var state = previous ?? WatchState(lastProgressAt: now)
        if state.query == nil { state.query = query }
        state.sequence += 1
        state.watchErrors += 1
        let event = Event(
            id: Event.makeID(jobId: jobId, type: .watchError, key: "error:\(state.watchErrors)"),
            type: .watchError, jobId: jobId, sequence: state.sequence, occurredAt: now,
            data: Event.data(
                [("kind", .string(kind)), ("http_status", .optional(httpStatus)), ("message", .string(message))],
                query: state.query),
            job: Event.jobSummary(state.snapshot), labels: labels)
        return DiffResult(state: state, events: [event])
    }
}
