import Foundation
import Logging
import TamwatchModel
import TamwatchOpenFunnel

/// Walks every page of a build with `cursor`/`next_cursor` and streams its rows to a file (CSV
/// or NDJSON), a page at a time: the list is never held in memory. After each page it writes a
/// checkpoint, so an export stopped at any moment (a crash, Ctrl-C) carries on with the same
/// command, without a row twice. Faults are retried as the watcher retries them (429 with its
/// Retry-After, 5xx and network errors with backoff) for up to `giveUpAfter`.
public struct Exporter: Sendable {
    public var client: OpenFunnelClient
    public var clock: any WatchClock
    public var retry = PollSchedule(interval: .seconds(1), maxInterval: .seconds(60))
    public var giveUpAfter: Duration = .seconds(900)
    public var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }
    public var logger = Logger(label: "tamwatch.export")
    public var progress: @Sendable (ExportProgress) -> Void = { _ in }

    public init(client: OpenFunnelClient, clock: any WatchClock = SystemClock()) {
        self.client = client
        self.clock = clock
    }

    /// The checkpoint beside an output file, and the domains written so far (8 bytes a row).
    public static func checkpointPath(_ output: String) -> String { output + ".export.json" }
    static func domainsPath(_ output: String) -> String { output + ".export.domains" }

    public func export(jobId: String, format: ResultFormat, to path: String, force: Bool = false) async throws(ExportError)
        -> ExportSummary
    {
        if let problem = JobID.problem(jobId) {
            throw .api(.validation(status: 0, message: problem), page: "job \(jobId.debugDescription)")
        }
        var file = try ExportFile.open(path, jobId: jobId, format: format, force: force)
        defer { file.close() }
        let resumed = file.checkpoint.rows > 0 ? file.checkpoint.rows : nil
        if let resumed { logger.info("carrying on with \(path): \(resumed) rows of \(file.checkpoint.pages) pages already there") }
        do throws(ExportError) {
            return try await walk(jobId: jobId, format: format, file: &file, resumed: resumed)
        } catch {
            // Not one page read (a missing build, a refused key): nothing is left behind.
            if file.checkpoint.pages == 0 {
                file.close()
                file.discard()
            }
            throw error
        }
    }

    private func walk(jobId: String, format: ResultFormat, file: inout ExportFile, resumed: Int?) async throws(ExportError)
        -> ExportSummary
    {
        while true {
            let cursor = file.checkpoint.pages == 0 ? nil : file.checkpoint.nextCursor
            let page = try await read(jobId: jobId, cursor: cursor)
            try file.append(page.rows, format: format, next: page.nextCursor)
            let manifest = page.snapshot.status.isTerminal ? page.snapshot.manifest : nil
            progress(
                ExportProgress(
                    pages: file.checkpoint.pages, rows: file.checkpoint.rows, totalPages: manifest?.pages,
                    totalRows: manifest?.uniqueCount ?? page.snapshot.processed))
            guard page.nextCursor == nil else { continue }
            let summary = ExportSummary(
                rows: file.checkpoint.rows, bytes: file.checkpoint.bytes, pages: file.checkpoint.pages,
                uniqueDomains: file.uniqueDomains, status: page.snapshot.status, expectedUnique: manifest?.uniqueCount,
                resumedRows: resumed)
            file.finish()
            return summary
        }
    }

    /// One page, retried through faults that may pass.
    private func read(jobId: String, cursor: String?) async throws(ExportError) -> TamBuildPage {
        let name = cursor ?? "the first page"
        var failures = 0
        var faultsSince: Duration?
        while true {
            do {
                return try await client.poll(jobId: jobId, cursor: cursor)
            } catch {
                guard error.isTransient, error != .transport(.cancelled) else { throw .api(error, page: name) }
                let since = faultsSince ?? clock.uptime()
                faultsSince = since
                failures += 1
                if clock.uptime() - since >= giveUpAfter { throw .gaveUp(error, page: name, after: DurationText.format(giveUpAfter)) }
                let wait = retry.afterFailure(failures: failures, retryAfter: error.retryAfter, jitter: jitter())
                logger.warning("reading \(name): \(error); retrying in \(DurationText.format(wait))")
                do { try await clock.sleep(for: wait) } catch { throw .api(.transport(.cancelled), page: name) }
            }
        }
    }
}
