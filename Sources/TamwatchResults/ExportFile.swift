import Foundation
import TamwatchModel

/// The output file, its checkpoint and the domains written, kept in step: rows are appended,
/// then the domains, then the checkpoint that says how far both are whole.
struct ExportFile {
    let path: String
    private let output: FileHandle
    private let domains: FileHandle
    private(set) var checkpoint: ExportCheckpoint
    private var seen = Set<UInt64>()

    var uniqueDomains: Int { seen.count }

    private init(path: String, output: FileHandle, domains: FileHandle, checkpoint: ExportCheckpoint) {
        self.path = path
        self.output = output
        self.domains = domains
        self.checkpoint = checkpoint
    }

    /// Carries on with an export of this job and format stopped earlier, or starts one. Any
    /// other existing file is left alone unless `force`.
    static func open(_ path: String, jobId: String, format: ResultFormat, force: Bool) throws(ExportError) -> ExportFile {
        let fm = FileManager.default
        let checkpointPath = Exporter.checkpointPath(path)
        let domainsPath = Exporter.domainsPath(path)
        do {
            if let saved = ExportCheckpoint.read(checkpointPath), saved.jobId == jobId, saved.format == format.rawValue,
                let output = try PrivateFile.openExisting(path), let domains = try PrivateFile.openExisting(domainsPath)
            {
                // Whatever was written after the checkpoint (a page cut short) goes.
                try output.truncate(atOffset: UInt64(saved.bytes))
                try output.seekToEnd()
                try domains.truncate(atOffset: UInt64(saved.rows * 8))
                try domains.seek(toOffset: 0)
                let data = try domains.readToEnd() ?? Data()
                try domains.seek(toOffset: UInt64(saved.rows * 8))
                var file = ExportFile(path: path, output: output, domains: domains, checkpoint: saved)
                data.withUnsafeBytes { raw in
                    for i in 0..<(data.count / 8) { file.seen.insert(raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
                }
                return file
            }
            if (fm.fileExists(atPath: path) || (try? fm.destinationOfSymbolicLink(atPath: path)) != nil) && !force {
                throw ExportError.exists(path)
            }
            let header = Data(format.header.utf8)
            let output = try PrivateFile.create(path, with: header)
            let domains = try PrivateFile.create(domainsPath, with: Data())
            let checkpoint = ExportCheckpoint(
                jobId: jobId, format: format.rawValue, nextCursor: nil, pages: 0, rows: 0, bytes: Int64(header.count))
            try checkpoint.write(checkpointPath)
            return ExportFile(path: path, output: output, domains: domains, checkpoint: checkpoint)
        } catch let error as ExportError {
            throw error
        } catch {
            throw .file(path, "\(error.localizedDescription)")
        }
    }

    /// Appends a page's rows and moves the checkpoint past it.
    mutating func append(_ rows: [CompanyRow], format: ResultFormat, next: String?) throws(ExportError) {
        var text = ""
        var hashes = Data(capacity: rows.count * 8)
        for row in rows {
            text += format.line(row)
            var h = Self.hash(row.domain?.lowercased() ?? "name:" + (row.name ?? ""))
            seen.insert(h)
            withUnsafeBytes(of: &h) { hashes.append(contentsOf: $0) }
        }
        let bytes = Data(text.utf8)
        do {
            try output.write(contentsOf: bytes)
            try domains.write(contentsOf: hashes)
            checkpoint.pages += 1
            checkpoint.rows += rows.count
            checkpoint.bytes += Int64(bytes.count)
            checkpoint.nextCursor = next
            if next != nil { try checkpoint.write(Exporter.checkpointPath(path)) }
        } catch {
            throw .file(path, "\(error.localizedDescription)")
        }
    }

    /// The walk is over: the checkpoint and the domains go.
    func finish() {
        try? FileManager.default.removeItem(atPath: Exporter.checkpointPath(path))
        try? FileManager.default.removeItem(atPath: Exporter.domainsPath(path))
    }

    /// Nothing was exported: the file, its checkpoint and the domains go.
    func discard() {
        finish()
        try? FileManager.default.removeItem(atPath: path)
    }

    func close() {
        try? output.close()
        try? domains.close()
    }

    /// 64-bit FNV-1a: the set of domains costs 8 bytes a row, whatever their length.
    static func hash(_ text: String) -> UInt64 { StableHash.fnv1a64(text.utf8) }
}
