import Foundation
import Logging
import Synchronization
import TamwatchChannels
import TamwatchConfig
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchReceiver
import TamwatchRules
import TamwatchSQLite

// Issue 3's figures: events through rules and rendering, webhook deliveries per second beside
// `curl --parallel`, and the latency from a stored event to its webhook arriving.

let benchSecret = "whsec_" + Data((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).base64EncodedString()

/// Events as a build produces them: mostly progress, some bands and milestones, one terminal.
func benchEvents(_ count: Int, job: String = "8a8e8a97-8192-48ff-849a-d8a96e949732") -> [Event] {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    return (0..<count).map { i in
        let type: EventType = i % 20 == 19 ? .bandCompleted : i % 50 == 49 ? .processedMilestone : i == count - 1 ? .terminal : .progress
        let processed = 100 + i * 37
        return Event(
            id: Event.makeID(jobId: job, type: type, key: String(i)), type: type, jobId: job, sequence: i + 1,
            occurredAt: start.addingTimeInterval(Double(i) * 0.5),
            data: .object([
                ("processed", .int(Int64(processed))), ("processed_delta", .int(37)),
                ("progress_message", .string("band 201-1000: validating \(processed)")),
            ]),
            job: .object([
                ("status", .string("running")), ("processed", .int(Int64(processed))), ("bands_done", .int(Int64(i / 20 % 7))),
                ("bands_total", .int(6)), ("degraded", .bool(false)),
                ("progress_message", .string("band 201-1000: validating \(processed)")), ("manifest", .null),
            ]),
            labels: ["owner": "ana@example.com", "team": "sales"])
    }
}

/// Three rules over two channels: a signed webhook with the event as body, and a chat channel
/// with a Block Kit-sized JSON template (escaping, sections, a band bar).
func benchEngine() throws -> RuleEngine {
    var templates = TemplateSet()
    templates.add(
        try TemplateSet.parse(
            """
            {"text": "{{headline}}",
             "blocks": [
              {"type": "header", "text": {"type": "plain_text", "text": "TAM build {{short_job_id}}: {{type}}"}},
              {"type": "section", "text": {"type": "mrkdwn", "text": "*{{summary}}*\\n{{#progress}}{{bar}} {{percent}}% ({{bands}} bands){{/progress}}\\n{{processed_text}} processed · {{job.progress_message}}"}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": "owner {{labels.owner}} · rule {{rule}}{{#folded}} · +{{folded}} folded{{/folded}}"}]}
             ]}
            """, path: "bench/slack/default.json", key: "slack/default.json", format: .json))
    var hook = ChannelConfig(name: "pipeline", type: .webhook, url: "http://127.0.0.1:1/")
    hook.secrets = [benchSecret]
    let chat = ChannelConfig(name: "ops", type: .slack, url: "http://127.0.0.1:1/")
    let rules = [
        RuleConfig(name: "everything", on: ["*"], to: ["pipeline"]),
        RuleConfig(name: "bands", on: ["job.band_completed", "job.terminal"], to: ["ops"]),
        RuleConfig(
            name: "sales-progress", on: ["job.progress"], matchers: [try Matcher.parse("labels.team =~ \"sales|ops\"").get()],
            to: ["ops"], throttle: .seconds(60)),
    ]
    return RuleEngine(rules: rules, channels: [hook, chat], renderer: Renderer(templates: templates))
}

/// Events per second through the rule engine and templates (one core), then with the outbox commit.
func benchRoute() async throws {
    let engine = try benchEngine()
    let events = benchEvents(1000)
    let rounds = Int(option("--rounds", "200")) ?? 200
    var deliveries = 0
    var throttle = ThrottleState()
    let cpu0 = cpuSeconds()
    let t0 = ContinuousClock.now
    for _ in 0..<rounds {
        for chunk in stride(from: 0, to: events.count, by: 10) {
            let out = engine.route(Array(events[chunk..<min(chunk + 10, events.count)]), throttle: throttle)
            throttle = out.throttle
            deliveries += out.deliveries.count
        }
        throttle = ThrottleState()
    }
    let elapsed = (ContinuousClock.now - t0).seconds
    let n = rounds * events.count
    print(
        String(
            format: "route: %d events -> %d deliveries in %.2f s = %.0f events/s, %.0f deliveries rendered/s (%.2f CPU s, one core)",
            n, deliveries, elapsed, Double(n) / elapsed, Double(deliveries) / elapsed, cpuSeconds() - cpu0))

    // The same, committed to an on-disk outbox as the watcher does: a poll's events, one transaction.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-route-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteStore(path: folder.appendingPathComponent("state.sqlite").path)
    let many = benchEvents(20_000)
    var queued = 0
    throttle = ThrottleState()
    let t1 = ContinuousClock.now
    for chunk in stride(from: 0, to: many.count, by: 10) {
        let batch = Array(many[chunk..<min(chunk + 10, many.count)])
        let out = engine.route(batch, throttle: throttle)
        throttle = out.throttle
        _ = try await store.commit(
            jobId: batch[0].jobId, state: WatchState(lastProgressAt: Date()), labels: [:], events: batch,
            deliveries: out.deliveries, throttle: throttle, at: Date())
        queued += out.deliveries.count
    }
    let e1 = (ContinuousClock.now - t1).seconds
    print(
        String(
            format:
                "route+outbox: %d events -> %d queued deliveries in %.2f s = %.0f events/s (10 events per transaction, SQLite WAL on disk)",
            many.count, queued, e1, Double(many.count) / e1))
}

/// Starts `tamwatch receive --quiet` on a free port; returns the process and its URL.
func startReceiver() throws -> (Process, String) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tamwatch")
    let process = Process()
    process.executableURL = binary
    process.arguments = ["receive", "--port", "0", "--quiet"]
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    var printed = ""
    while !printed.contains("\n") {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        printed += String(decoding: chunk, as: UTF8.self)
    }
    guard let range = printed.range(of: #"http://127\.0\.0\.1:\d+/"#, options: .regularExpression) else {
        process.terminate()
        throw BenchError(message: "the receiver did not start: \(printed)")
    }
    return (process, String(printed[range]) + "tam")
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Webhook deliveries per second from the on-disk outbox, beside `curl --parallel` posting the
/// same bodies to the same keep-alive receiver: nginx (not the bottleneck; installed by
/// `scripts/bench`), then `tamwatch receive` (a receiver as users run it).
func benchDeliver() async throws {
    let count = Int(option("--count", "5000")) ?? 5000
    let concurrency = Int(option("--concurrency", "16")) ?? 16
    let runs = Int(option("--runs", "3")) ?? 3
    let only = option("--receiver", "all")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-deliver-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    if only == "all" || only == "nginx" {
        if let nginx = try NginxReceiver.start(in: folder) {
            defer { nginx.stop() }
            try await deliverRuns(
                to: nginx.url, named: "nginx, 204, one worker", count: count, concurrency: concurrency, runs: runs, folder: folder)
        } else {
            print("deliver: nginx is not installed (scripts/bench installs nginx-light); skipping the nginx receiver")
        }
    }
    if only == "all" || only == "tamwatch" {
        let (receiver, url) = try startReceiver()
        defer { receiver.terminate() }
        try await deliverRuns(to: url, named: "tamwatch receive", count: count, concurrency: concurrency, runs: runs, folder: folder)
    }
}

func deliverRuns(to url: String, named name: String, count: Int, concurrency: Int, runs: Int, folder: URL) async throws {
    let events = benchEvents(count)
    let curlRun = try CurlRun(url: url, body: events[count / 2].json.serialized(), count: count, folder: folder)
    let body = curlRun.body
    print("deliver: \(count) POSTs of \(body.utf8.count) bytes, \(concurrency) at a time, to \(url) (\(name), keep-alive HTTP/1.1)")

    var logger = Logger(label: "bench")
    logger.logLevel = .error
    var ratios: [Double] = []
    for run in 1...runs {
        // curl: the same bodies, `--parallel --parallel-max N`.
        let curlSeconds = try await curlRun.run(concurrency: concurrency)

        // tamwatch: the outbox on disk, signed, every attempt recorded.
        let store = try SQLiteStore(path: folder.appendingPathComponent("outbox-\(name.prefix(5))-\(run).sqlite").path)
        var channel = ChannelConfig(name: "pipeline", type: .webhook, url: url)
        channel.secrets = [benchSecret]
        channel.concurrency = concurrency
        try await queueBenchDeliveries(events, body: body, into: store)
        let transport = CurlTransport(maxConnectionsPerHost: concurrency)
        defer { transport.shutdown() }
        let dispatcher = Dispatcher(store: store, channels: [try WebhookChannel(config: channel, transport: transport)], logger: logger)
        // For a profiler: the timed part starts now (tamwatch-bench deliver ... 2>&1 | grep -m1 sending).
        FileHandle.standardError.write(Data("deliver: sending (pid \(getpid()))\n".utf8))
        let cpu0 = cpuSeconds()
        let t0 = ContinuousClock.now
        let task = Task { try await dispatcher.run() }
        let left = try await dispatcher.drain(jobIds: nil, timeout: .seconds(300))
        let seconds = milliseconds(ContinuousClock.now - t0) / 1000
        let cpu = cpuSeconds() - cpu0
        task.cancel()
        _ = await task.result
        let sent = try await store.deliveries(status: .sent, limit: count + 1).count
        print(
            String(
                format:
                    "  run %d: curl --parallel %.0f/s (%.2f s) | tamwatch %.0f/s (%.2f s, %d sent, %d left, %.2f CPU s, %d connections) = %.0f%% of curl",
                run, Double(count) / curlSeconds, curlSeconds, Double(sent) / seconds, seconds, sent, left.count, cpu,
                transport.statistics.connectionsOpened, 100 * (Double(sent) / seconds) / (Double(count) / curlSeconds)))
        ratios.append((Double(sent) / seconds) / (Double(count) / curlSeconds))
        transport.shutdown()
    }
    let sorted = ratios.sorted()
    print(String(format: "  into %@: tamwatch at %.0f%% of curl (median of %d runs)", name, 100 * sorted[sorted.count / 2], runs))
}

/// Latency from an event being stored (commit start) to its signed webhook arriving, one at a time.
func benchLatency() async throws {
    let count = Int(option("--count", "1000")) ?? 1000
    let gap = DurationText.parse(option("--gap", "5ms")) ?? .milliseconds(5)
    let arrivals = AsyncStream.makeStream(of: String.self)
    var receiverLogger = Logger(label: "bench.receiver")
    receiverLogger.logLevel = .critical
    let receiver = try WebhookReceiver(secrets: [benchSecret], logger: receiverLogger) { r in
        if r.verified == true, let id = r.id { arrivals.continuation.yield(id) }
    }
    let running = try await receiver.start()
    defer { Task { await running.stop() } }

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-latency-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteStore(path: folder.appendingPathComponent("state.sqlite").path)
    var channel = ChannelConfig(name: "pipeline", type: .webhook, url: "\(running.baseURL)/tam")
    channel.secrets = [benchSecret]
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let engine = RuleEngine(
        rules: [RuleConfig(name: "all", on: ["*"], to: ["pipeline"])], channels: [channel],
        renderer: Renderer(templates: TemplateSet()))
    let transport = CurlTransport()
    defer { transport.shutdown() }
    let dispatcher = Dispatcher(store: store, channels: [try WebhookChannel(config: channel, transport: transport)], logger: logger)
    let task = Task { try await dispatcher.run() }
    defer { task.cancel() }

    let events = benchEvents(count + 20)
    var iterator = arrivals.stream.makeAsyncIterator()
    var samples: [Double] = []
    for (i, event) in events.enumerated() {
        let routed = engine.route([event], throttle: ThrottleState())
        let t0 = ContinuousClock.now
        _ = try await store.commit(
            jobId: event.jobId, state: WatchState(lastProgressAt: Date()), labels: [:], events: [event],
            deliveries: routed.deliveries, at: Date())
        dispatcher.wake()
        guard let id = await iterator.next(), id == event.id else { throw BenchError(message: "arrivals out of order") }
        if i >= 20 { samples.append(milliseconds(ContinuousClock.now - t0)) }  // after warm-up
        try await Task.sleep(for: gap)
    }
    samples.sort()
    func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
    print(
        String(
            format:
                "latency: %d events, one at a time %@ apart: stored -> webhook arrived p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
            samples.count, DurationText.format(gap), pct(0.5), pct(0.9), pct(0.99), samples.last ?? 0))
}

/// A duration in fractional milliseconds (`Duration.seconds` here is whole milliseconds).
func milliseconds(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) * 1000 + Double(atto) / 1e15
}
