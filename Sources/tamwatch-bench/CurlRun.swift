import Foundation
import TamwatchModel
import TamwatchStore

/// The bodies `deliver` posts, and curl's config posting each to `url` once.
struct CurlRun {
    let body: String
    let config: URL

    init(url: String, body: String, count: Int, folder: URL) throws {
        self.body = body
        let bodyFile = folder.appendingPathComponent("body.json")
        try body.write(to: bodyFile, atomically: true, encoding: .utf8)
        // One transfer per entry, `next` between them (not after the last: an empty transfer aborts the run).
        let entry =
            "url = \"\(url)\"\ndata-binary = \"@\(bodyFile.path)\"\nheader = \"content-type: application/json\"\noutput = \"/dev/null\"\nfail\n"
        config = folder.appendingPathComponent("curl.cfg")
        try Array(repeating: entry, count: count).joined(separator: "next\n").write(to: config, atomically: true, encoding: .utf8)
    }

    /// `curl --parallel --parallel-max N` over every body; returns the seconds it took.
    func run(concurrency: Int) async throws -> Double {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["--parallel", "--parallel-max", String(concurrency), "--no-progress-meter", "-K", config.path]
        let c0 = ContinuousClock.now
        // Waited for without spinning (Process.waitUntilExit polls a run loop, taking a core from curl).
        let exited = AsyncStream.makeStream(of: Void.self)
        curl.terminationHandler = { _ in exited.continuation.finish() }
        try curl.run()
        for await _ in exited.stream {}
        guard curl.terminationStatus == 0 else { throw BenchError(message: "curl exited \(curl.terminationStatus)") }
        return milliseconds(ContinuousClock.now - c0) / 1000
    }
}

/// Queues one delivery of `body` to the `pipeline` channel for each event, as polls would: 500
/// events per commit.
func queueBenchDeliveries(_ events: [Event], body: String, into store: any EventLog) async throws {
    for chunk in stride(from: 0, to: events.count, by: 500) {
        let batch = Array(events[chunk..<min(chunk + 500, events.count)])
        let deliveries = batch.map { e in
            Delivery(
                id: Delivery.makeID(eventId: e.id, channel: "pipeline"), eventId: e.id, jobId: e.jobId, eventType: e.type,
                channel: "pipeline", rule: "all", message: RenderedMessage(body: body), folded: 0, createdAt: e.occurredAt)
        }
        _ = try await store.commit(
            jobId: batch[0].jobId, state: WatchState(lastProgressAt: Date()), labels: [:], events: batch, deliveries: deliveries,
            flushed: [], throttle: nil, at: Date())
    }
}
