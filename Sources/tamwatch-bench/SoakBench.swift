import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchTesting

/// One minute's look at a soaking `serve`.
struct SoakSample {
    var minute: Double
    var rssMB: Double
    var descriptors: Int
    var threads: Int
    var stateMB: Double
    var events: Double
    var delivered: Double
    var retried: Double
    var watches: Double
    var streamClients: Double

    static let header = "minute,rss_mb,descriptors,threads,state_mb,events,delivered,attempts_failed,watches_running,stream_clients"
    var csv: String {
        String(
            format: "%.2f,%.1f,%d,%d,%.2f,%.0f,%.0f,%.0f,%.0f,%.0f", minute, rssMB, descriptors, threads, stateMB, events, delivered,
            retried,
            watches, streamClients)
    }
}

/// `tamwatch serve` for a long time under a steady load: `--watches` builds polled every
/// `--interval` (about as many submitted through the API each minute as end), each event a
/// signed webhook into nginx that fails about 1 % of them (retried), event-stream clients
/// joining and leaving, retention on. Samples RSS, descriptors, threads and the state's size
/// every `--sample` and reports their slopes once the builds have ramped up: flat is the goal.
/// `--csv PATH` keeps the samples (scripts/plot-soak draws them).
func benchSoak() async throws {
    let minutes = Double(option("--minutes", "60")) ?? 60
    let watches = Int(option("--watches", "1000")) ?? 1000
    let interval = option("--interval", "1s")
    let sampleEvery = DurationText.parse(option("--sample", "60s")) ?? .seconds(60)
    let csvPath = option("--csv", "soak.csv")
    raiseOpenFileLimit()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-soak-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    guard let nginx = try NginxReceiver.start(in: folder, failing: true) else {
        throw BenchError(message: "nginx is not installed (scripts/bench installs nginx-light)")
    }
    defer { nginx.stop() }

    // A build of about ten minutes: six bands of 90 s, each in three steps.
    let scenario = folder.appendingPathComponent("soak.yaml")
    try """
    name: soak
    pending: 5s
    band_duration: 90s
    steps_per_band: 3
    bands:
      - { label: "1-10", companies: 2150 }
      - { label: "11-50", companies: 5120 }
      - { label: "51-200", companies: 6040 }
      - { label: "201-1000", companies: 4870 }
      - { label: "1001-5000", companies: 2310 }
      - { label: "5001+", companies: 1325 }
    """.write(to: scenario, atomically: true, encoding: .utf8)
    let buildMinutes = (5.0 + 6 * 90) / 60
    let config = folder.appendingPathComponent("tamwatch.yaml")
    try """
    api: { poll_interval: \(interval) }
    state: { path: state.sqlite, retention: 1h }
    watch: { max_poll_interval: \(interval) }
    channels:
      hook: { type: webhook, url: "\(nginx.url)/tam", secret: "\(benchSecret)", retry: [1s, 2s, 5s, 10s, 30s] }
    rules:
      - { name: everything, on: ["*"], to: [hook] }
    """.write(to: config, atomically: true, encoding: .utf8)

    let (simulator, simURL) = try startTamwatch(["simulate", "--port", "0", "--scenario", scenario.path, "--api-key", "bench"])
    defer { simulator.terminate() }
    let (serve, url) = try startTamwatch(
        ["serve", "--listen", "127.0.0.1:0", "--config", config.path, "--api-url", simURL], environment: ["OPENFUNNEL_API_KEY": "bench"])
    defer {
        serve.terminate()
        serve.waitUntilExit()
    }
    let pid = serve.processIdentifier
    let transport = CurlTransport(maxConnectionsPerHost: 16)
    defer { transport.shutdown() }
    print(
        "soak: \(Int(minutes)) min; serve (pid \(pid)) with about \(watches) builds of \(String(format: "%.1f", buildMinutes)) min polled every \(interval), every event a webhook into nginx failing ~1 %, stream clients coming and going; a sample every \(DurationText.format(sampleEvery))"
    )

    let start = ContinuousClock.now
    let end = start + .milliseconds(Int(minutes * 60_000))
    func elapsedMinutes() -> Double { (ContinuousClock.now - start).seconds / 60 }

    // Builds: as many a minute as end, so about `watches` run at once (the first ten minutes ramp up).
    let submitter = Task {
        let perTick = max(1, Int((Double(watches) / buildMinutes / 10).rounded()))
        let body = Array(#"{"query": "cloud observability tools", "labels": {"team": "soak"}}"#.utf8)
        while ContinuousClock.now < end, !Task.isCancelled {
            for _ in 0..<perTick {
                let answer = try? await transport.send(
                    HTTPRequest(
                        method: "POST", url: url + "/api/v1/builds", headers: [HTTPHeader("Content-Type", "application/json")], body: body))
                if let status = answer?.status, status != 201 { print("soak: POST /api/v1/builds answered \(status)") }
            }
            try? await Task.sleep(for: .seconds(6))
        }
    }
    // Event-stream clients: one joins every 2 s and leaves after 5 to 60 s.
    let streams = Task {
        var clients: [Process] = []
        while ContinuousClock.now < end, !Task.isCancelled {
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = ["-sN", "--max-time", String(Int.random(in: 5...60)), "-o", "/dev/null", url + "/api/v1/events"]
            curl.standardError = FileHandle.nullDevice
            if (try? curl.run()) != nil { clients.append(curl) }
            clients.removeAll { !$0.isRunning }
            try? await Task.sleep(for: .seconds(2))
        }
        for client in clients where client.isRunning { client.terminate() }
    }

    /// The sum of a family's samples that carry every label given.
    func metric(_ text: String, _ name: String, _ labels: String...) -> Double {
        text.split(separator: "\n").filter { line in
            (line.hasPrefix(name + "{") || line.hasPrefix(name + " ")) && labels.allSatisfy { line.contains($0) }
        }.reduce(0) { $0 + (Double($1.split(separator: " ").last ?? "") ?? 0) }
    }
    func sample() async -> SoakSample {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let threads =
            status.split(separator: "\n").first { $0.hasPrefix("Threads:") }.flatMap { Int($0.split(separator: "\t").last ?? "") } ?? 0
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
        let state = ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"].reduce(0.0) { sum, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as? Int) ?? 0
            return sum + Double(size ?? 0) / 1_048_576
        }
        let text = (try? await transport.send(HTTPRequest(url: url + "/metrics")).bodyText) ?? ""
        return SoakSample(
            minute: elapsedMinutes(), rssMB: processRSSMegabytes(pid), descriptors: descriptors, threads: threads, stateMB: state,
            events: metric(text, "tamwatch_events_total"), delivered: metric(text, "tamwatch_deliveries_total", "result=\"sent\""),
            retried: metric(text, "tamwatch_deliveries_total", "result=\"retry\""),
            watches: metric(text, "tamwatch_watches", "status=\"running\""), streamClients: metric(text, "tamwatch_sse_clients"))
    }

    var samples: [SoakSample] = []
    var csv = SoakSample.header + "\n"
    while ContinuousClock.now < end {
        let s = await sample()
        samples.append(s)
        csv += s.csv + "\n"
        try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)
        print(
            String(
                format:
                    "soak: %5.1f min  RSS %6.1f MB  fds %4d  threads %3d  state %6.1f MB  events %8.0f  delivered %8.0f  retried %5.0f  running %5.0f  stream clients %3.0f",
                s.minute, s.rssMB, s.descriptors, s.threads, s.stateMB, s.events, s.delivered, s.retried, s.watches, s.streamClients))
        try await Task.sleep(until: min(end, ContinuousClock.now + sampleEvery))
    }
    submitter.cancel()
    streams.cancel()
    _ = await (submitter.result, streams.result)
    samples.append(await sample())
    csv += (samples.last?.csv ?? "") + "\n"
    try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)

    // Slopes per hour by least squares over the steady state: from the first sample with 90 % of
    // the most builds running at once (the ramp-up left out).
    let most = samples.map(\.watches).max() ?? 0
    let from = samples.first { $0.watches >= 0.9 * most }?.minute ?? 0
    let steady = samples.filter { $0.minute >= from }
    func slope(_ value: (SoakSample) -> Double) -> Double {
        let n = Double(steady.count)
        guard n >= 2 else { return 0 }
        let mx = steady.map(\.minute).reduce(0, +) / n
        let my = steady.map(value).reduce(0, +) / n
        let sxy = steady.reduce(0) { $0 + ($1.minute - mx) * (value($1) - my) }
        let sxx = steady.reduce(0) { $0 + ($1.minute - mx) * ($1.minute - mx) }
        return sxx == 0 ? 0 : sxy / sxx * 60
    }
    let last = samples.last
    print(
        String(
            format:
                "soak: %.0f min, %.0f events, %.0f webhooks delivered, %.0f attempts failed and retried; slopes per hour from minute %.0f: RSS %+.1f MB (last %.1f MB), descriptors %+.1f (last %d), threads %+.1f (last %d), state %+.1f MB (last %.1f MB); samples in %@",
            minutes, last?.events ?? 0, last?.delivered ?? 0, last?.retried ?? 0, from, slope(\.rssMB), last?.rssMB ?? 0,
            slope { Double($0.descriptors) }, last?.descriptors ?? 0, slope { Double($0.threads) }, last?.threads ?? 0, slope(\.stateMB),
            last?.stateMB ?? 0, csvPath))
}
