import Foundation
import Logging
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchSQLite
import TamwatchWatch

// tamwatch-bench: speed and memory figures for docs/benchmarks.md. Run in release mode:
//   swift run -c release tamwatch-bench differ
//   swift run -c release tamwatch-bench watch-load [--jobs 1000] [--interval 1s] [--seconds 30] [--rows 150]
//   swift run -c release tamwatch-bench route [--rounds 200]
//   swift run -c release tamwatch-bench deliver [--count 5000] [--concurrency 16] [--runs 3]
//   swift run -c release tamwatch-bench latency [--count 1000] [--gap 5ms]
//   swift run -c release tamwatch-bench bodies [--answer-mb 100] [--api-gb 1.5]
//   swift run -c release tamwatch-bench replay [--counts 10000,30000]
//   swift run -c release tamwatch-bench serve-load [--watches 10000] [--interval 10s] [--seconds 30]
//   swift run -c release tamwatch-bench sse-fanout [--clients 1000]
//   swift run -c release tamwatch-bench export [--rows 200000]
//   swift run -c release tamwatch-bench replicas-load [--replicas 3] [--watches 10000] [--interval 10s] [--seconds 30]
//   swift run -c release tamwatch-bench replicas-deliver [--count 5000]
//   swift run -c release tamwatch-bench replicas-takeover [--watches 3000]
//   swift run -c release tamwatch-bench soak [--minutes 60] [--watches 1000] [--interval 1s] [--sample 60s] [--csv soak.csv]

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return fallback }
    return args[i + 1]
}

/// Differ throughput on one core: unchanged pairs (most polls) and pairs that each carry progress.
func benchDiffer() {
    let settings = DiffSettings(milestones: .list([1000, 5000, 10000]), stallAfter: .seconds(1800))
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func snapshot(_ i: Int) -> JobSnapshot {
        JobSnapshot(
            jobId: "8a8e8a97-8192-48ff-849a-d8a96e949732", status: .running, processed: i * 7, bandsDone: min(6, i / 500),
            bandsTotal: 6, progressMessage: "band 201-1000: validating \(i * 7)", degraded: false)
    }
    let base = Differ.diff(previous: nil, current: snapshot(1), at: start, settings: settings).state
    for (label, changing) in [("unchanged", false), ("with progress", true)] {
        let n = changing ? 1_000_000 : 5_000_000
        let snaps = (0..<3000).map { snapshot(changing ? $0 + 2 : 1) }
        var state = base
        var events = 0
        let cpu0 = cpuSeconds()
        let t0 = ContinuousClock.now
        for i in 0..<n {
            let r = Differ.diff(previous: state, current: snaps[i % snaps.count], at: start, settings: settings)
            events &+= r.events.count
            if changing { state = i % snaps.count == snaps.count - 1 ? base : r.state }
        }
        let elapsed = (ContinuousClock.now - t0).seconds
        let cpu = cpuSeconds() - cpu0
        print(
            String(
                format: "differ %@: %d pairs in %.2f s = %.0f pairs/s (%.2f CPU s, %d events)",
                label, n, elapsed, Double(n) / elapsed, cpu, events))
    }
}

/// A build that fills its first page within a second, then stays running for hours: every poll
/// carries a full page of 100 rows, as the real API's does.
func writeLongBuildScenario(in folder: URL, firstBand: Int) throws -> URL {
    let scenario = folder.appendingPathComponent("bench.yaml")
    try """
    name: bench
    pending: 0s
    steps_per_band: 1
    bands:
      - { label: "1-10", companies: \(firstBand), duration: 500ms }
      - { label: "11-50", companies: 5000, duration: 10h }
    """.write(to: scenario, atomically: true, encoding: .utf8)
    return scenario
}

/// Polls per second, CPU and peak RSS of the watcher with many jobs against a simulator process.
func benchWatchLoad() async throws {
    let jobs = Int(option("--jobs", "1000")) ?? 1000
    let interval = DurationText.parse(option("--interval", "1s")) ?? .seconds(1)
    let seconds = Double(option("--seconds", "30")) ?? 30
    let firstBand = Int(option("--rows", "150")) ?? 150  // companies written in the first second
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    let scenario = try writeLongBuildScenario(in: folder, firstBand: firstBand)
    let (simulator, url) = try startTamwatch(["simulate", "--port", "0", "--scenario", scenario.path, "--api-key", "bench"])
    defer { simulator.terminate() }

    let transport = CurlTransport(maxConnectionsPerHost: 64)
    defer { transport.shutdown() }
    let client = OpenFunnelClient(baseURL: url, apiKey: "bench", transport: transport)
    var ids: [String] = []
    for _ in 0..<jobs { ids.append(try await client.submit(query: "cloud observability tools").jobId) }
    try await Task.sleep(for: .seconds(1))

    var config = TamwatchConfig()
    config.api.pollInterval = interval
    config.watch.maxPollInterval = interval  // no slowing down: the full load, all the time
    let store = try SQLiteStore(path: folder.appendingPathComponent("state.sqlite").path)
    actor CountingSink: EventSink {
        var events = 0
        func emit(_ e: [Event]) -> Bool { events += e.count; return true }
    }
    let sink = CountingSink()
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let watcher = Watcher(client: client, store: store, sink: sink, settings: WatchSettings(config: config), logger: logger)
    let task = Task { try await watcher.watch(jobs: ids) }
    // The steady state: every job past its first poll, whose baseline event is committed.
    let started = ContinuousClock.now
    while await sink.events < jobs, ContinuousClock.now - started < .seconds(120) { try await Task.sleep(for: .milliseconds(100)) }
    let warmUp = (ContinuousClock.now - started).seconds
    try await Task.sleep(for: .seconds(1))
    let requests0 = transport.statistics.requests
    let cpu0 = cpuSeconds()
    let t0 = ContinuousClock.now
    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    let elapsed = (ContinuousClock.now - t0).seconds
    let polls = transport.statistics.requests - requests0
    let cpu = cpuSeconds() - cpu0
    task.cancel()
    _ = await task.result
    print(
        String(
            format:
                "watch-load: %d jobs at %@: %.0f polls/s over %.0f s (after %.1f s to poll and commit every job once); tamwatch CPU %.1f%% of one core; peak RSS %.1f MB; %d connections opened; %d events",
            jobs, DurationText.format(interval), Double(polls) / elapsed, elapsed, warmUp, 100 * cpu / elapsed, peakRSSMegabytes(),
            transport.statistics.connectionsOpened, await sink.events))
}

switch CommandLine.arguments.dropFirst().first {
case "differ": benchDiffer()
case "watch-load": try await benchWatchLoad()
case "route": try await benchRoute()
case "deliver": try await benchDeliver()
case "latency": try await benchLatency()
case "bodies": try await benchBodies()
case "replay": try await benchReplay()
case "serve-load": try await benchServeLoad()
case "sse-fanout": try await benchSSEFanout()
case "export": try await benchExport()
case "replicas-load": try await benchReplicasLoad()
case "replicas-deliver": try await benchReplicasDeliver()
case "replicas-takeover": try await benchReplicasTakeover()
case "soak": try await benchSoak()
default:
    print(
        "usage: tamwatch-bench differ | watch-load [--jobs N] [--interval 1s] [--seconds 30] | route | deliver [--count N] [--concurrency N] | latency | bodies | replay [--counts 10000,30000] | serve-load [--watches N] [--interval 10s] | sse-fanout [--clients N] | export [--rows N] | replicas-load [--replicas N] [--watches N] | replicas-deliver [--count N] | replicas-takeover [--watches N] | soak [--minutes 60] [--watches 1000] [--csv soak.csv]"
    )
    exit(64)
}
