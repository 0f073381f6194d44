import Foundation

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
