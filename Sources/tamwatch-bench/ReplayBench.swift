import Foundation
import TamwatchModel
import TamwatchSQLite
import TamwatchStore

/// `tamwatch replay --dead` of N dead deliveries, as a user runs it (a separate process, into a
/// local `tamwatch receive`), against the rate of their first delivery.
func benchReplay() async throws {
    let counts = option("--counts", "10000,30000").split(separator: ",").compactMap { Int($0) }
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tamwatch").path
    let (receiver, url) = try startReceiver()
    defer { receiver.terminate() }
    for count in counts {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-replay-\(getpid())-\(count)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("tamwatch.yaml").path
        try """
        state: { path: state.sqlite }
        channels:
          hook: { type: webhook, url: "\(url)", concurrency: 16 }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // N events of one job, each with a dead delivery to `hook`.
        do {
            let store = try SQLiteStore(path: folder.appendingPathComponent("state.sqlite").path)
            let now = Date()
            var state = WatchState(lastProgressAt: now)
            for batch in stride(from: 0, to: count, by: 1000) {
                var events: [Event] = []
                var deliveries: [Delivery] = []
                for i in batch..<min(batch + 1000, count) {
                    state.sequence = i + 1
                    let e = Event(
                        id: Event.makeID(jobId: "job", type: .progress, key: "\(i)"), type: .progress, jobId: "job",
                        sequence: i + 1, occurredAt: now, data: .object([("processed", .int(Int64(i)))]), job: .null, labels: [:])
                    events.append(e)
                    deliveries.append(
                        Delivery(
                            id: Delivery.makeID(eventId: e.id, channel: "hook"), eventId: e.id, jobId: "job",
                            eventType: .progress, channel: "hook", rule: "r",
                            message: RenderedMessage(body: e.json.serialized()), folded: 0, createdAt: now))
                }
                _ = try await store.commit(jobId: "job", state: state, labels: [:], events: events, deliveries: deliveries, at: now)
            }
            let lease = ClaimLease(owner: "bench", duration: 60)
            let claimed = try await store.exchange(records: [], claims: [("hook", count)], now: now, lease: lease)
            let dead = (claimed.claimed["hook"] ?? []).map {
                AttemptRecord(id: $0.id, result: .dead, at: now, failures: 1, httpStatus: 500, error: "HTTP 500")
            }
            try await store.record(dead, owner: "bench")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["replay", "--dead", "--config", config, "--drain-timeout", "10m"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let t0 = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        let seconds = (ContinuousClock.now - t0).seconds
        let store = try SQLiteStore(path: folder.appendingPathComponent("state.sqlite").path, readOnly: true)
        let sent = try await store.deliveries(status: .sent, limit: count + 1).count
        print(
            String(
                format: "replay: %d dead deliveries replayed in %.2f s = %.0f/s (exit %d, %d sent)",
                count, seconds, Double(count) / seconds, process.terminationStatus, sent))
    }
}
