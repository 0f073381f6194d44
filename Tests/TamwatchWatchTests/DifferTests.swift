import Foundation
import Testing

@testable import TamwatchModel
@testable import TamwatchWatch

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private let settings = DiffSettings(milestones: .list([1000, 5000, 10000]), stallAfter: .seconds(60))

private func snap(
    _ status: JobStatus = .running, processed: Int? = 0, done: Int? = 0, total: Int? = 6,
    message: String? = nil, degraded: Bool? = false, error: String? = nil, manifest: Manifest? = nil
) -> JobSnapshot {
    JobSnapshot(
        jobId: "job-1", status: status, processed: processed, bandsDone: done, bandsTotal: total,
        progressMessage: message, degraded: degraded, errorMessage: error, manifest: manifest)
}

/// Runs snapshots through the differ in order, one second apart; returns every event.
private func run(
    _ snapshots: [JobSnapshot], settings: DiffSettings = settings, from state: WatchState? = nil,
    step: TimeInterval = 1
) -> (WatchState?, [Event]) {
    var state = state
    var events: [Event] = []
    for (i, s) in snapshots.enumerated() {
        let r = Differ.diff(previous: state, current: s, at: t0.addingTimeInterval(Double(i) * step), settings: settings)
        state = r.state
        events += r.events
    }
    return (state, events)
}

private func types(_ events: [Event]) -> [String] { events.map(\.type.rawValue) }

@Suite("Differ", .timeLimit(.minutes(5)))
struct DifferTests {
    @Test("first observation is the baseline: status from null, no progress for earlier work")
    func baseline() {
        let (_, events) = run([snap(processed: 7000, done: 3, message: "band 201-1000: validating 5000")])
        #expect(types(events) == ["job.status_changed"])
        #expect(events[0].data["from"] == .null)
        #expect(events[0].data["to"] == .string("running"))
        #expect(events[0].sequence == 1)
    }

    @Test("data.query: the given query, else the page's source_query; the first one known is kept; never kept in the snapshot")
    func query() throws {
        let given = Differ.diff(previous: nil, current: snap(), at: t0, settings: settings, query: "neobanks worldwide")
        #expect(given.events.map { $0.data["query"] } == [.string("neobanks worldwide")])

        var rows = snap(processed: 100, done: 1)
        rows.sourceQuery = "from the rows"
        let (state, events) = run([snap(processed: 0, done: 0), rows, snap(processed: 200, done: 2)])
        #expect(events.first?.data["query"] == .null)
        #expect(events.dropFirst().allSatisfy { $0.data["query"] == .string("from the rows") })
        #expect(state?.query == "from the rows" && state?.snapshot?.sourceQuery == nil)

        var other = snap(processed: 300, done: 3)
        other.sourceQuery = "something else"
        let later = Differ.diff(previous: state, current: other, at: t0, settings: settings, query: "given late")
        #expect(later.events.allSatisfy { $0.data["query"] == .string("from the rows") } && !later.events.isEmpty)

        let decoded = try JSONDecoder().decode(WatchState.self, from: JSONEncoder().encode(try #require(state)))
        #expect(decoded.query == "from the rows")
        let error = Differ.watchError(
            previous: nil, jobId: "job-1", kind: "not_found", httpStatus: 404, message: "gone", at: t0, query: "given")
        #expect(error.events.first?.data["query"] == .string("given"))
    }

    @Test("baseline announces degraded, credits and terminal where they already hold")
    func baselineTerminal() {
        let m = Manifest(uniqueCount: 21815, degraded: true, creditsConsumed: 21815)
        let (_, events) = run([snap(.completed, processed: 21815, done: 6, degraded: true, manifest: m)])
        #expect(types(events) == ["job.status_changed", "job.degraded", "job.credits_consumed", "job.terminal"])
        #expect(events[1].data["source"] == .string("job"))
        #expect(events.map(\.sequence) == [1, 2, 3, 4])
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var before: JobSnapshot
        var after: JobSnapshot
        var expected: [String]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "status change", before: snap(.pending), after: snap(.running), expected: ["job.status_changed"]),
        Row(
            name: "one band", before: snap(processed: 100, done: 0), after: snap(processed: 100, done: 1), expected: ["job.band_completed"]),
        Row(
            name: "processed milestone", before: snap(processed: 900), after: snap(processed: 1200),
            expected: ["job.processed_milestone", "job.progress"]),
        Row(name: "progress message only", before: snap(message: "a"), after: snap(message: "b"), expected: ["job.progress"]),
        Row(name: "degraded turns true", before: snap(degraded: false), after: snap(degraded: true), expected: ["job.degraded"]),
        Row(
            name: "manifest degraded turns true", before: snap(.running), after: snap(.running, manifest: Manifest(degraded: true)),
            expected: ["job.degraded"]),
        Row(
            name: "credits appear", before: snap(.running), after: snap(.running, manifest: Manifest(uniqueCount: 5, creditsConsumed: 5)),
            expected: ["job.credits_consumed"]),
        Row(
            name: "terminal", before: snap(.running, processed: 10, done: 5),
            after: snap(.failed, processed: 10, done: 5, error: "boom", manifest: Manifest(partial: true)),
            expected: ["job.status_changed", "job.terminal"]),
        Row(name: "nothing changed", before: snap(processed: 5), after: snap(processed: 5), expected: []),
        Row(
            name: "nulls everywhere after values", before: snap(processed: 5, done: 1, message: "x"),
            after: snap(processed: nil, done: nil, total: nil, message: nil, degraded: nil), expected: ["job.progress"]),
        Row(name: "unknown status passes through", before: snap(.running), after: snap("rebalancing"), expected: ["job.status_changed"]),
        Row(name: "paused is not terminal", before: snap(.pausing), after: snap(.paused), expected: ["job.status_changed"]),
    ]

    @Test("each row of the event table", arguments: rows)
    func table(_ row: Row) {
        let (_, events) = run([row.before, row.after])
        #expect(types(Array(events.dropFirst())) == row.expected)
    }

    @Test("progress events carry the pace: companies per minute over the last five changes of processed, kept across a restart")
    func pace() throws {
        // A poll a minute: 0, 1000, 1500, then nothing new, then 3000, ...
        let counts = [0, 1000, 1500, 1500, 3000, 3600, 4800, 6000]
        let (state, events) = run(counts.map { snap(processed: $0) }, step: 60)
        let rates = events.filter { $0.type == .progress }.map { $0.data["rate_per_minute"]?.intValue }
        // (1000-0)/1, (1500-0)/2, (3000-0)/4, (3600-0)/5, then the last five: (4800-1000)/5, (6000-1500)/5.
        #expect(rates == [1000, 750, 750, 720, 760, 900])
        #expect(state?.pace.count == PaceSample.kept)
        // The state as the store keeps it, read back: the pace carries on.
        let data = try JSONEncoder().encode(try #require(state))
        let restored = try JSONDecoder().decode(WatchState.self, from: data)
        #expect(restored.pace == state?.pace)
        let next = Differ.diff(previous: restored, current: snap(processed: 7500), at: t0.addingTimeInterval(8 * 60), settings: settings)
        #expect(next.events.first { $0.type == .progress }?.data["rate_per_minute"]?.intValue == (7500 - 3000) / 4)
        // A message-only change has no new sample but still says the pace.
        let (_, quiet) = run([snap(processed: 10), snap(processed: 10, message: "validating")], step: 60)
        #expect(quiet.last?.data["rate_per_minute"] == .null)
    }

    @Test("a jump of several bands emits one event per band, in order")
    func bandJump() {
        let (_, events) = run([snap(done: 2), snap(processed: 9000, done: 5)])
        let bands = events.filter { $0.type == .bandCompleted }
        #expect(bands.map { $0.data["band"]?.intValue } == [3, 4, 5])
        #expect(bands.allSatisfy { $0.data["bands_done"]?.intValue == 5 && $0.data["bands_total"]?.intValue == 6 })
    }

    @Test("each milestone once, even when processed dips and rises again")
    func milestoneDip() {
        let (_, events) = run([
            snap(processed: 0), snap(processed: 1500), snap(processed: 800), snap(processed: 1600),
            snap(processed: 12000),
        ])
        let milestones = events.filter { $0.type == .processedMilestone }.compactMap { $0.data["milestone"]?.intValue }
        #expect(milestones == [1000, 5000, 10000])
    }

    @Test("milestone_every emits every multiple crossed")
    func milestoneEvery() {
        let (_, events) = run([snap(processed: 0), snap(processed: 12500)], settings: DiffSettings(milestones: .every(5000)))
        #expect(events.filter { $0.type == .processedMilestone }.compactMap { $0.data["milestone"]?.intValue } == [5000, 10000])
    }

    @Test("bands that dip are not announced again")
    func bandDip() {
        let (_, events) = run([snap(done: 1), snap(done: 3), snap(done: 2), snap(done: 3), snap(done: 4)])
        #expect(events.filter { $0.type == .bandCompleted }.compactMap { $0.data["band"]?.intValue } == [2, 3, 4])
    }

    @Test("progress event carries the delta")
    func progressDelta() {
        let (_, events) = run([snap(processed: 100), snap(processed: 350, message: "band 1-10: validating 350")])
        let p = events.last
        #expect(p?.type == .progress)
        #expect(p?.data["processed_delta"]?.intValue == 250)
        #expect(p?.data["progress_message"] == .string("band 1-10: validating 350"))
    }

    @Test("stalled once after stall_after without progress while running, again after new progress")
    func stalled() {
        var snaps = [snap(processed: 10)]
        snaps += Array(repeating: snap(processed: 10), count: 80)  // 80 s without progress
        snaps.append(snap(processed: 20))
        snaps += Array(repeating: snap(processed: 20), count: 70)
        let (_, events) = run(snaps)
        let stalls = events.filter { $0.type == .stalled }
        #expect(stalls.count == 2)
        #expect(stalls.first?.data["stalled_for_seconds"]?.intValue == 60)
        #expect(Set(stalls.map(\.id)).count == 2)
    }

    @Test("no stall while paused or pending")
    func noStallWhilePaused() {
        let (_, events) = run(
            [snap(.paused)] + Array(repeating: snap(.paused), count: 100)
                + [snap(.pending)] + Array(repeating: snap(.pending), count: 100))
        #expect(!events.contains { $0.type == .stalled })
    }

    @Test("pause and resume: status changes only, the job goes on")
    func pauseResume() {
        let (state, events) = run([
            snap(done: 1), snap(.pausing, done: 1), snap(.paused, done: 2), snap(.paused, done: 2),
            snap(.running, done: 2), snap(.completed, done: 6, manifest: Manifest(uniqueCount: 9, creditsConsumed: 9)),
        ])
        let changes = events.filter { $0.type == .statusChanged }.map {
            "\($0.data["from"]?.stringValue ?? "nil")>\($0.data["to"]?.stringValue ?? "")"
        }
        #expect(changes == ["nil>running", "running>pausing", "pausing>paused", "paused>running", "running>completed"])
        #expect(events.filter { $0.type == .terminal }.count == 1)
        #expect(state?.terminalAnnounced == true)
    }

    @Test("credits announced when they appear and again when they change")
    func credits() {
        let (_, events) = run([
            snap(.running), snap(.completed, manifest: Manifest(uniqueCount: 5, creditsConsumed: 37.5)),
            snap(.completed, manifest: Manifest(uniqueCount: 5, creditsConsumed: 37.5)),
            snap(.completed, manifest: Manifest(uniqueCount: 6, creditsConsumed: 40)),
        ])
        let credits = events.filter { $0.type == .creditsConsumed }
        #expect(credits.map { $0.data["credits_consumed"] } == [.double(37.5), .int(40)])
    }

    @Test("sequence increases by one per event and ids are unique")
    func sequenceAndIds() {
        let (_, events) = run([
            snap(.pending), snap(.running, processed: 1200, done: 1), snap(processed: 6000, done: 3),
            snap(.completed, processed: 11000, done: 6, manifest: Manifest(uniqueCount: 11000, creditsConsumed: 11000)),
        ])
        #expect(events.map(\.sequence) == Array(1...events.count))
        #expect(Set(events.map(\.id)).count == events.count)
        #expect(events.allSatisfy { $0.id.hasPrefix("evt_") && $0.id.count == 36 })
    }

    @Test("ids are deterministic: the same change after a restart gets the same id")
    func deterministicIds() {
        let a = run([snap(done: 1), snap(processed: 2000, done: 3)]).1
        let b = run([snap(done: 1), snap(processed: 2000, done: 3)]).1
        #expect(a.map(\.id) == b.map(\.id))
        // Seeing band 3 later (after a crash lost the observation of band 2 and 3 together) keeps band 3's id.
        let c = run([snap(done: 1), snap(processed: 1000, done: 2), snap(processed: 2000, done: 3)]).1
        let band3a = a.first { $0.type == .bandCompleted && $0.data["band"]?.intValue == 3 }?.id
        let band3c = c.first { $0.type == .bandCompleted && $0.data["band"]?.intValue == 3 }?.id
        #expect(band3a != nil && band3a == band3c)
    }

    @Test("restart from a stored snapshot announces progress made while down, once")
    func restartFromStoredState() throws {
        let (stored, before) = run([snap(.pending), snap(processed: 500, done: 1)])
        // What the store keeps survives a JSON round trip exactly.
        let text = try JSONEncoder().encode(try #require(stored))
        let restored = try JSONDecoder().decode(WatchState.self, from: text)
        #expect(restored == stored)
        let (_, after) = run([snap(processed: 6000, done: 3)], from: restored)
        #expect(
            types(after) == [
                "job.band_completed", "job.band_completed", "job.processed_milestone", "job.processed_milestone", "job.progress",
            ])
        #expect(after.first?.sequence == before.count + 1)
        #expect(Set(after.map(\.id)).isDisjoint(with: before.map(\.id)))
        // Seeing the same snapshot again announces nothing.
        let (_, again) = run([snap(processed: 500, done: 1)], from: restored)
        #expect(again.isEmpty)
    }

    @Test("watch.error carries kind, status and message, and continues the sequence")
    func watchError() {
        let (state, events) = run([snap(.running)])
        let r = Differ.watchError(previous: state, jobId: "job-1", kind: "unauthorized", httpStatus: 401, message: "HTTP 401", at: t0)
        #expect(r.events.count == 1)
        #expect(r.events[0].sequence == events.count + 1)
        #expect(r.events[0].data["kind"] == .string("unauthorized"))
        #expect(r.events[0].data["http_status"] == .int(401))
    }

    @Test("an absurd bands_done with no total is capped per poll, with a warning, and not announced again")
    func absurdBands() {
        var state = Differ.diff(previous: nil, current: snap(done: 0, total: nil), at: t0, settings: settings).state
        let jump = Differ.diff(previous: state, current: snap(done: 1_000_000_000, total: nil), at: t0 + 1, settings: settings)
        #expect(jump.events.filter { $0.type == .bandCompleted }.count == Differ.burstLimit)
        #expect(jump.warnings.count == 1 && jump.warnings[0].contains("bands_done jumped from 0 to 1000000000"))
        state = jump.state
        let again = Differ.diff(
            previous: state, current: snap(done: 1_000_000_000, total: nil, message: "x"), at: t0 + 2, settings: settings)
        #expect(again.events.filter { $0.type == .bandCompleted }.isEmpty)
    }

    @Test("bands_done past bands_total counts as bands_total: no band beyond the total is announced")
    func bandsPastTotal() {
        let first = Differ.diff(previous: nil, current: snap(done: 4, total: 6), at: t0, settings: settings)
        let r = Differ.diff(previous: first.state, current: snap(done: 1_000_000_000, total: 6), at: t0 + 1, settings: settings)
        let bands = r.events.filter { $0.type == .bandCompleted }
        #expect(bands.map { $0.data["band"] } == [.int(5), .int(6)])
        #expect(bands.allSatisfy { $0.data["bands_done"] == .int(6) })
        #expect(r.warnings == ["job job-1: bands_done 1000000000 exceeds bands_total 6; counted as 6"])
    }

    @Test("a processed jump past many milestones announces a bounded number, with a warning")
    func absurdProcessed() {
        let every = DiffSettings(milestones: .every(10), stallAfter: nil)
        let first = Differ.diff(previous: nil, current: snap(processed: 0), at: t0, settings: every)
        let r = Differ.diff(previous: first.state, current: snap(processed: 1_000_000_000_000), at: t0 + 1, settings: every)
        #expect(r.events.filter { $0.type == .processedMilestone }.count == Differ.burstLimit)
        #expect(r.warnings.count == 1)
    }

    @Test("degraded is announced once per degradation, whichever flags say so, with the flag that turned it")
    func degradedOnce() {
        let m = Manifest(uniqueCount: 10, degraded: true)
        let (_, events) = run([
            snap(.running, degraded: false), snap(.running, degraded: true),
            snap(.running, degraded: true, manifest: m), snap(.completed, degraded: false, manifest: m),
        ])
        let degraded = events.filter { $0.type == .degraded }
        #expect(degraded.count == 1)
        #expect(degraded.first?.data["source"] == .string("job"))

        let (_, viaManifest) = run([snap(.running, degraded: false), snap(.completed, degraded: false, manifest: m)])
        #expect(viaManifest.filter { $0.type == .degraded }.map { $0.data["source"] } == [.string("manifest")])

        // Recovered, then degraded again: a second degradation, a second event with its own id.
        let (_, twice) = run([snap(degraded: false), snap(degraded: true), snap(degraded: false), snap(degraded: true)])
        let ids = twice.filter { $0.type == .degraded }.map(\.id)
        #expect(ids.count == 2 && Set(ids).count == 2)
    }

    @Test("the envelope has the documented keys in order")
    func envelope() throws {
        let (_, events) = run([snap(done: 2, message: "m"), snap(processed: 9120, done: 3, message: "band 201-1000: validating 5000")])
        let e = try #require(events.first { $0.type == .bandCompleted })
        guard case .object(let members) = e.json else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["id", "type", "job_id", "sequence", "occurred_at", "data", "job", "labels"])
        guard case .object(let job)? = e.json["job"] else { Issue.record("no job"); return }
        #expect(job.map(\.0) == ["status", "processed", "bands_done", "bands_total", "degraded", "progress_message", "manifest"])
        #expect(e.json["occurred_at"]?.stringValue == "2027-01-15T08:00:01.000Z")
        let back = try #require(Event(json: try JSONValue.parse(e.json.serialized())))
        #expect(back == e)
    }
}
