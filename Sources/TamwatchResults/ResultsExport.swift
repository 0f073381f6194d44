import Crypto
import Foundation
import Logging
import TamwatchModel

/// A completed build's whole list, exported to the results folder (`results: { dir, format }`)
/// for `job.results_ready`: `DIR/JOB_ID.csv` (or `.ndjson`). An export cut short carries on
/// at the next start; a finished file is written again from the start.
public struct ResultsExport: Sendable {
    public var exporter: Exporter
    public var directory: String
    public var format: ResultFormat

    public init(exporter: Exporter, directory: String, format: ResultFormat) {
        self.exporter = exporter
        self.directory = directory
        self.format = format
    }

    public func path(jobId: String) -> String {
        // A job id is the API's: keep what could leave the folder out of the file name.
        let safe = String(jobId.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return URL(fileURLWithPath: directory).appendingPathComponent("\(safe).\(format.fileExtension)").path
    }

    /// `job.results_ready`'s `results`: `path`, `format`, `rows`, `bytes`, `sha256` (and
    /// `warning` when the file holds fewer unique companies than the manifest says), or `error`.
    public func callAsFunction(_ jobId: String) async -> JSONValue {
        let path = path(jobId: jobId)
        let log = exporter.logger
        do {
            try PrivateFile.makeFolder(directory)
        } catch {
            log.error("job \(jobId): cannot create the results folder \(directory): \(error.localizedDescription)")
            return .object([("error", .string("cannot create \(directory): \(error.localizedDescription)"))])
        }
        log.info("job \(jobId): exporting its list to \(path)")
        do {
            let summary = try await exporter.export(jobId: jobId, format: format, to: path, force: true)
            let digest = try Self.sha256(path)
            var members: [(String, JSONValue)] = [
                ("path", .string(path)), ("format", .string(format.rawValue)), ("rows", .int(Int64(summary.rows))),
                ("bytes", .int(summary.bytes)), ("sha256", .string(digest)),
            ]
            if let expected = summary.expectedUnique, expected != summary.uniqueDomains {
                let warning = "the file holds \(summary.uniqueDomains) unique companies; the manifest says \(expected)"
                log.warning("job \(jobId): \(warning)")
                members.append(("warning", .string(warning)))
            }
            log.info("job \(jobId): exported \(summary.rows) rows to \(path)")
            return .object(members)
        } catch {
            log.error("job \(jobId): the list could not be exported: \(error)")
            return .object([("error", .string("\(error)"))])
        }
    }

    /// The file's SHA-256, read a megabyte at a time.
    static func sha256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ExportError.file(path, "cannot be read back") }
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
