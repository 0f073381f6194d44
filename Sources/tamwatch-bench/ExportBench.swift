import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel

/// `tamwatch export` of a 200,000-row build (2,000 pages) from the simulator: rows/s and peak
/// RSS, beside a `curl | jq` page loop over the same pages in the same run.
func benchExport() async throws {
    let companies = Int(option("--rows", "200000")) ?? 200_000
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let scenario = folder.appendingPathComponent("big.yaml")
    let perBand = companies / 4
    try """
    name: big
    pending: 0s
    band_duration: 1m
    steps_per_band: 1
    bands:
      - { label: "1-10", companies: \(perBand) }
      - { label: "11-50", companies: \(perBand) }
      - { label: "51-200", companies: \(perBand) }
      - { label: "201-1000", companies: \(companies - 3 * perBand) }
    """.write(to: scenario, atomically: true, encoding: .utf8)
    let (simulator, url) = try startTamwatch(
        ["simulate", "--port", "0", "--scenario", scenario.path, "--step-per-poll", "10m", "--api-key", "bench"])
    defer { simulator.terminate() }
    let transport = CurlTransport()
    defer { transport.shutdown() }
    let client = OpenFunnelClient(baseURL: url, apiKey: "bench", transport: transport)
    let job = try await client.submit(query: "cloud observability tools").jobId
    while try await client.pollSnapshot(jobId: job).status != .completed {}
    // The simulator makes each page once and keeps it: a first walk, so that neither measured
    // reader pays for that.
    var cursor: String? = "page_0000"
    while let next = cursor { cursor = try await client.poll(jobId: job, cursor: next).nextCursor }

    // tamwatch export, in release, as a user runs it.
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tamwatch")
    let output = folder.appendingPathComponent("list.ndjson")
    let export = Process()
    export.executableURL = binary
    export.arguments = ["export", job, "--api-url", url, "--format", "ndjson", "--output", output.path, "--no-progress"]
    export.environment = ProcessInfo.processInfo.environment.merging(["OPENFUNNEL_API_KEY": "bench"]) { _, new in new }
    export.standardError = FileHandle.nullDevice
    let t0 = ContinuousClock.now
    try export.run()
    var peak = 0.0
    while export.isRunning {
        peak = max(peak, processPeakRSSMegabytes(export.processIdentifier))
        try await Task.sleep(for: .milliseconds(20))
    }
    let tamwatch = milliseconds(ContinuousClock.now - t0) / 1000
    let rows = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").count

    // The same pages with curl and jq, one request after another.
    let script = folder.appendingPathComponent("walk.sh")
    try """
    set -e
    cursor=page_0000
    : > "$2/curl.ndjson"
    while [ "$cursor" != null ]; do
      curl -sf -H "X-API-Key: bench" "$1?cursor=$cursor" > "$2/page.json"
      jq -c '.rows[]' "$2/page.json" >> "$2/curl.ndjson"
      cursor=$(jq -r '.next_cursor' "$2/page.json")
    done
    """.write(to: script, atomically: true, encoding: .utf8)
    let walk = Process()
    walk.executableURL = URL(fileURLWithPath: "/bin/bash")
    walk.arguments = [script.path, "\(url)/api/v1/tam/build/\(job)", folder.path]
    let t1 = ContinuousClock.now
    try walk.run()
    while walk.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    let curl = milliseconds(ContinuousClock.now - t1) / 1000
    let curlRows = try String(contentsOf: folder.appendingPathComponent("curl.ndjson"), encoding: .utf8).split(separator: "\n").count
    print(
        String(
            format:
                "export: %d rows (%d pages) to NDJSON in %.2f s = %.0f rows/s, peak RSS %.0f MB; curl | jq page loop: %d rows in %.2f s = %.0f rows/s; tamwatch %.1fx faster",
            rows, (companies + 99) / 100, tamwatch, Double(rows) / tamwatch, peak, curlRows, curl, Double(curlRows) / curl, curl / tamwatch)
    )
}

/// The most resident memory another process has had, in MB (VmHWM from /proc).
func processPeakRSSMegabytes(_ pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}
