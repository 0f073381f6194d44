import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchApp
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchResults
import TamwatchRules

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every row of a build to a CSV or NDJSON file, resumably.",
        discussion: """
            Walks every page of the build (cursor by cursor) and streams its rows to --output \
            (default: tam-JOB_ID.csv or .ndjson here). After each page it writes a checkpoint \
            beside the file (FILE.export.json): stopped at any moment, the same command carries on \
            without a row twice. At the end it checks that the file holds manifest.unique_count \
            unique companies (by domain) and says so; exit 1 if it does not. A build that is still \
            running is exported as far as it goes, and said to be partial.

            CSV: RFC 4180 with a header row (name, domain, linkedin_url, headquarters, hq_city, \
            hq_region, hq_country, employee_count, funding_stage, industries joined with "; ", \
            match_score, source_band, source_query, match_reason). NDJSON: each row as the API gives it.
            """
    )

    @Argument(help: "The job id of the build.")
    var jobId: String

    @Option(name: .long, help: "csv or ndjson.")
    var format: ResultFormat = .csv

    @Option(name: .long, help: "The file to write (default: tam-JOB_ID.csv or .ndjson in this folder).")
    var output: String?

    @Flag(name: .long, help: "Overwrite an existing file that is not an export of this job in progress.")
    var force = false

    @Flag(name: .long, help: "Do not draw the progress line on stderr.")
    var noProgress = false

    @Option(name: .long, help: "The YAML configuration file, for api.* (default: $TAMWATCH_CONFIG, else ./tamwatch.yaml if present).")
    var config: String?

    @OptionGroup var api: APIOverrides

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let problem = JobID.problem(jobId) { throw ValidationError("\(jobId.debugDescription): \(problem)") }
        if output == "-" { throw ValidationError("--output must be a file: an export to stdout could not carry on after a stop") }
    }

    func run() async throws {
        logging.bootstrap()
        var loaded = try loadConfig(config)
        api.apply(to: &loaded)
        let key = try apiKey(loaded)
        let path = output ?? "tam-\(jobId).\(format.fileExtension)"
        let transport = CurlTransport()
        defer { transport.shutdown() }
        var exporter = Exporter(
            client: OpenFunnelClient(baseURL: loaded.api.baseURL, apiKey: key, transport: transport, timeout: loaded.api.timeout))
        exporter.giveUpAfter = loaded.watch.giveUpAfter
        let live = !noProgress && isatty(STDERR_FILENO) == 1
        let drawn = Mutex(false)
        exporter.progress = { p in
            let total = p.totalPages.map { "/\(EventText.count($0))" } ?? ""
            let rows = p.totalRows.map { "/\(EventText.count($0))" } ?? ""
            let line = "page \(EventText.count(p.pages))\(total)  \(EventText.count(p.rows))\(rows) rows"
            if live {
                drawn.withLock { $0 = true }
                FileHandle.standardError.write(Data("\r\u{1B}[2K  \(line)".utf8))
            } else if p.pages % 50 == 0 {
                printError("tamwatch: export: \(line)")
            }
        }
        let job = jobId
        let chosen = format
        let overwrite = force
        let worker = exporter
        let result = await CommandLifecycle.run { () -> Result<ExportSummary, ExportError> in
            do throws(ExportError) {
                return .success(try await worker.export(jobId: job, format: chosen, to: path, force: overwrite))
            } catch {
                return .failure(error)
            }
        }
        if drawn.withLock({ $0 }) { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        switch result {
        case .success(let summary)?:
            try report(summary, path: path)
        case .failure(.api(.transport(.cancelled), _))?, nil:
            printError("tamwatch: export interrupted; \(path) is whole up to its last page. Run the same command to carry on.")
            throw ExitCode(130)
        case .failure(let error)?:
            printError("tamwatch: export: \(Redaction.redact(error.description))")
            switch error {
            case .exists: throw ExitCode(1)
            case .file: throw Exit.ioError
            case .api(let e, _), .gaveUp(let e, _, _):
                if case .transport(.cancelled) = e { throw ExitCode(130) }
                throw ExitCode(3)
            }
        }
    }

    private func report(_ s: ExportSummary, path: String) throws {
        var line =
            "tamwatch: wrote \(EventText.count(s.rows)) rows (\(EventText.count(s.pages)) pages, \(EventText.count(Int(s.bytes))) bytes) to \(path)"
        if let resumed = s.resumedRows { line += ", carrying on after \(EventText.count(resumed)) rows already there" }
        printError(line)
        guard s.status.isTerminal else {
            printError(
                "tamwatch: the build is still \(s.status): this is the list so far (\(EventText.count(s.uniqueDomains)) unique companies). Export again once it has completed for the whole list."
            )
            return
        }
        guard let expected = s.expectedUnique else {
            printError(
                "tamwatch: the build ended (\(s.status)) without a manifest: \(EventText.count(s.uniqueDomains)) unique companies, nothing to check them against"
            )
            return
        }
        if expected == s.uniqueDomains {
            printError(
                "tamwatch: ✓ \(EventText.count(s.uniqueDomains)) unique companies, as manifest.unique_count says (build \(s.status))")
        } else {
            printError(
                "tamwatch: ✗ the file holds \(EventText.count(s.uniqueDomains)) unique companies (by domain) but manifest.unique_count says \(EventText.count(expected)); the list is not whole"
            )
            throw ExitCode(1)
        }
    }
}

extension ResultFormat: ExpressibleByArgument {}
