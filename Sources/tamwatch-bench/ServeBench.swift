import Foundation
import Synchronization
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchTesting

/// A release `tamwatch` subcommand next to this binary, and the first `http://` line it prints.
/// Its log goes nowhere, unless `TAMWATCH_BENCH_LOGS` names a folder: then to a file there.
func startTamwatch(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, String) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tamwatch")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    if let logs = ProcessInfo.processInfo.environment["TAMWATCH_BENCH_LOGS"] {
        let path = "\(logs)/\(arguments.first ?? "tamwatch")-\(UUID().uuidString.prefix(8)).log"
        FileManager.default.createFile(atPath: path, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: path)
    }
    try process.run()
    var printed = ""
    while !printed.contains("\n") {
        let chunk = out.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        printed += String(decoding: chunk, as: UTF8.self)
    }
    guard let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("http://") }) else {
        process.terminate()
        throw ChildError.spawn("tamwatch \(arguments.first ?? "") did not start")
    }
    return (process, String(line))
}

/// CPU seconds (user + system) of another process, from /proc.
func processCPUSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command: state is field 3; utime and stime are fields 14 and 15.
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Resident memory of another process, in MB.
func processRSSMegabytes(_ pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

/// As many open files as the hard limit allows (a thousand stream clients need a thousand sockets).
func raiseOpenFileLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

/// Registers `ids` through a `serve` API, 32 at a time (`labels`: a JSON object for each).
func register(_ ids: [String], at url: String, labels: String? = nil, transport: CurlTransport) async throws {
    try await withThrowingTaskGroup(of: Int.self) { group in
        var next = 0
        func add() {
            let id = ids[next]
            next += 1
            let body = labels.map { #"{"job_id": "\#(id)", "labels": \#($0)}"# } ?? #"{"job_id": "\#(id)"}"#
            group.addTask {
                try await transport.send(
                    HTTPRequest(
                        method: "POST", url: url + "/api/v1/watches", headers: [HTTPHeader("Content-Type", "application/json")],
                        body: Array(body.utf8))
                ).status
            }
        }
        for _ in 0..<min(32, ids.count) { add() }
        while let status = try await group.next() {
            if status != 201 { print("register answered \(status)") }
            if next < ids.count { add() }
        }
    }
}

/// `tamwatch serve` with many watches: registering them through the API, then polling them,
/// then `/metrics` with all of them.
func benchServeLoad() async throws {
    let watches = Int(option("--watches", "10000")) ?? 10000
    let interval = option("--interval", "10s")
    let seconds = Double(option("--seconds", "30")) ?? 30
    raiseOpenFileLimit()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let scenario = try writeLongBuildScenario(in: folder, firstBand: 150)
    let config = folder.appendingPathComponent("tamwatch.yaml")
    try """
    api: { poll_interval: \(interval) }
    state: { path: state.sqlite }
    watch: { max_poll_interval: \(interval) }
    """.write(to: config, atomically: true, encoding: .utf8)

    let (simulator, simURL) = try startTamwatch(["simulate", "--port", "0", "--scenario", scenario.path, "--api-key", "bench"])
    defer { simulator.terminate() }
    let transport = CurlTransport(maxConnectionsPerHost: 64)
    defer { transport.shutdown() }
    let client = OpenFunnelClient(baseURL: simURL, apiKey: "bench", transport: transport)
    var ids: [String] = []
    for _ in 0..<watches { ids.append(try await client.submit(query: "cloud observability tools").jobId) }

    // --registration-only: the API answers nothing (a closed port), to time registering alone.
    let registrationOnly = CommandLine.arguments.contains("--registration-only")
    let (serve, url) = try startTamwatch(
        ["serve", "--listen", "127.0.0.1:0", "--config", config.path, "--api-url", registrationOnly ? "http://127.0.0.1:9" : simURL],
        environment: ["OPENFUNNEL_API_KEY": "bench"])
    defer {
        serve.terminate()
        serve.waitUntilExit()
    }
    // Registering: 32 requests in flight.
    let t0 = ContinuousClock.now
    try await register(ids, at: url, labels: #"{"team": "bench"}"#, transport: transport)
    let registering = (ContinuousClock.now - t0).seconds
    if registrationOnly {
        print(
            String(
                format: "serve-load: %d watches registered through the API in %.2f s (%.0f/s), with no poll succeeding", watches,
                registering, Double(watches) / registering))
        return
    }

    // The steady state: every watch polled once (its build is then running).
    func metrics() async throws -> String { try await transport.send(HTTPRequest(url: url + "/metrics")).bodyText }
    let warm0 = ContinuousClock.now
    while !(try await metrics()).contains("tamwatch_watches{status=\"running\"} \(watches).0"),
        ContinuousClock.now - warm0 < .seconds(180)
    {
        try await Task.sleep(for: .milliseconds(500))
    }
    let warmUp = (ContinuousClock.now - warm0).seconds
    try await Task.sleep(for: .seconds(2))
    let polls0 = try await metrics().split(separator: "\n").first { $0.hasPrefix("tamwatch_polls_total{result=\"ok\"}") }
    let cpu0 = processCPUSeconds(serve.processIdentifier)
    let w0 = ContinuousClock.now
    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    let cpu = processCPUSeconds(serve.processIdentifier) - cpu0
    let elapsed = (ContinuousClock.now - w0).seconds
    let polls1 = try await metrics().split(separator: "\n").first { $0.hasPrefix("tamwatch_polls_total{result=\"ok\"}") }
    func count(_ line: Substring?) -> Double { Double(line?.split(separator: " ").last ?? "") ?? 0 }
    let rss = processRSSMegabytes(serve.processIdentifier)

    // /metrics and a page of the list, each timed round trip.
    var scrapes: [Double] = []
    var bytes = 0
    for _ in 0..<200 {
        let s0 = ContinuousClock.now
        bytes = try await metrics().utf8.count
        scrapes.append(milliseconds(ContinuousClock.now - s0))
    }
    scrapes.sort()
    var lists: [Double] = []
    for _ in 0..<50 {
        let s0 = ContinuousClock.now
        _ = try await transport.send(HTTPRequest(url: url + "/api/v1/watches?limit=500&label=team=bench"))
        lists.append(milliseconds(ContinuousClock.now - s0))
    }
    lists.sort()
    print(
        String(
            format:
                "serve-load: %d watches registered through the API in %.2f s (%.0f/s); all polled once after %.1f s more; then at %@: %.0f polls/s, serve CPU %.1f%% of one core, RSS %.0f MB; /metrics (%d bytes) p50 %.2f ms p99 %.2f ms; GET /api/v1/watches?limit=500 p50 %.1f ms",
            watches, registering, Double(watches) / registering, warmUp, interval, (count(polls1) - count(polls0)) / elapsed,
            100 * cpu / elapsed, rss, bytes, percentile(scrapes, 0.5), percentile(scrapes, 0.99), percentile(lists, 0.5)))
}

/// A thousand event stream clients on one `tamwatch serve`: from an event's diff (its
/// `occurred_at`) to its arrival at every client.
func benchSSEFanout() async throws {
    let clients = Int(option("--clients", "1000")) ?? 1000
    raiseOpenFileLimit()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = folder.appendingPathComponent("tamwatch.yaml")
    try "state: { path: state.sqlite }\n".write(to: config, atomically: true, encoding: .utf8)
    let (simulator, simURL) = try startTamwatch(["simulate", "--port", "0", "--step-per-poll", "5s", "--api-key", "bench"])
    defer { simulator.terminate() }
    let (serve, url) = try startTamwatch(
        ["serve", "--listen", "127.0.0.1:0", "--config", config.path, "--api-url", simURL, "--poll-interval", "200ms"],
        environment: ["OPENFUNNEL_API_KEY": "bench"])
    defer {
        serve.terminate()
        serve.waitUntilExit()
    }
    guard let port = Int(url.split(separator: ":").last ?? "") else { return }
    let transport = CurlTransport()
    defer { transport.shutdown() }
    let readers = try EpollReaders(port: port, count: clients, path: "/api/v1/events")
    let c0 = ContinuousClock.now
    while !(try await transport.send(HTTPRequest(url: url + "/metrics")).bodyText.contains("tamwatch_sse_clients \(clients).0")),
        ContinuousClock.now - c0 < .seconds(60)
    {
        try await Task.sleep(for: .milliseconds(100))
    }
    let connecting = (ContinuousClock.now - c0).seconds
    let cpu0 = processCPUSeconds(serve.processIdentifier)
    _ = try await transport.send(
        HTTPRequest(
            method: "POST", url: url + "/api/v1/builds", headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(#"{"query": "cloud observability tools"}"#.utf8)))
    // Blocking here is fine: the bench has nothing else to do meanwhile.
    readers.run(timeout: 120, threads: Int(option("--reader-threads", "4")) ?? 4)
    let cpu = processCPUSeconds(serve.processIdentifier) - cpu0
    let latencies = readers.latencies.sorted()
    let events = readers.eventsPerClient.values.max() ?? 0
    let complete = readers.eventsPerClient.values.filter { $0 == events }.count
    print(
        String(
            format:
                "sse-fanout: %d clients connected in %.1f s; %d events each (%d of %d clients got all); diffed → received by every client: p50 %.1f ms, p99 %.1f ms, max %.1f ms; serve CPU %.1f s for the build, RSS %.0f MB",
            clients, connecting, events, complete, clients, percentile(latencies, 0.5), percentile(latencies, 0.99),
            latencies.last ?? 0, cpu, processRSSMegabytes(serve.processIdentifier)))
}
