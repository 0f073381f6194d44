import Foundation
import Logging
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchPostgres
import TamwatchTesting

/// `tamwatch serve` replicas on one PostgreSQL (the tests' throwaway server, started here):
/// steady polling, deliveries from the shared outbox, takeover after SIGKILL and SIGTERM.
struct ReplicaRig {
    let folder: URL
    let database: String
    let config: URL
    var servers: [(process: Process, url: String)] = []

    /// A new database and a config on it, polling at `interval`; with `channel`, every event is
    /// delivered to that URL (a signed webhook, `concurrency: 16`).
    init(interval: String = "10s", channel: String? = nil) throws {
        folder = temporaryDirectory()
        database = try PostgresServer.database()
        config = folder.appendingPathComponent("tamwatch.yaml")
        var yaml = """
            api: { poll_interval: \(interval) }
            state: { url: "\(database)" }
            watch: { max_poll_interval: \(interval) }

            """
        if let channel {
            yaml += """
                channels:
                  pipeline: { type: webhook, url: "\(channel)", secret: "${BENCH_SECRET}", concurrency: 16 }
                rules:
                  - { name: all, on: ["*"], to: [pipeline] }

                """
        }
        try yaml.write(to: config, atomically: true, encoding: .utf8)
    }

    mutating func start(api: String) throws {
        servers.append(
            try startTamwatch(
                ["serve", "--listen", "127.0.0.1:0", "--config", config.path, "--api-url", api],
                environment: ["OPENFUNNEL_API_KEY": "bench", "BENCH_SECRET": benchSecret]))
    }

    func stopAll() {
        for s in servers where s.process.isRunning {
            s.process.terminate()
            s.process.waitUntilExit()
        }
    }

    /// Watches active and held (under a lease not run out) per replica's pid.
    func held() throws -> [Int32: Int] {
        var out: [Int32: Int] = [:]
        let rows = try PostgresServer.query(
            database, "SELECT owner, COUNT(*) FROM watches WHERE active AND lease_until > now() GROUP BY owner")
        for row in rows {
            let parts = row.split(separator: "|")
            // Owners are host/pid/random.
            guard parts.count == 2, let pid = parts[0].split(separator: "/").dropFirst().first.flatMap({ Int32($0) }) else { continue }
            out[pid] = Int(parts[1]) ?? 0
        }
        return out
    }

    /// CPU seconds of every postgres process on the machine (the benchmark's server is the only one).
    static func databaseCPUSeconds() -> Double {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        return pids.filter { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8))?.hasPrefix("postgres") == true }
            .reduce(0) { $0 + processCPUSeconds($1) }
    }
}

/// Builds that stay running for hours, on a simulator process.
func longBuilds(_ count: Int, folder: URL, transport: CurlTransport) async throws -> (Process, String, [String]) {
    let scenario = try writeLongBuildScenario(in: folder, firstBand: 150)
    let (simulator, simURL) = try startTamwatch(["simulate", "--port", "0", "--scenario", scenario.path, "--api-key", "bench"])
    let client = OpenFunnelClient(baseURL: simURL, apiKey: "bench", transport: transport)
    var ids: [String] = []
    for _ in 0..<count { ids.append(try await client.submit(query: "cloud observability tools").jobId) }
    return (simulator, simURL, ids)
}

/// Waits until `condition` holds on the held counts, at most `limit`; returns how long it took.
func waitForLeases(_ rig: ReplicaRig, limit: Duration = .seconds(180), _ condition: ([Int32: Int]) -> Bool) async throws -> Double? {
    let t0 = ContinuousClock.now
    while ContinuousClock.now - t0 < limit {
        if condition(try rig.held()) { return (ContinuousClock.now - t0).seconds }
        try await Task.sleep(for: .milliseconds(50))
    }
    return nil
}
