import Foundation

/// Where an export stopped: the next page to read and how much of the file is whole. Written
/// after every page (to a temporary file, then renamed), so a crash or Ctrl-C at any moment
/// leaves a checkpoint that matches the file up to `bytes`.
struct ExportCheckpoint: Codable, Equatable {
    var jobId: String
    var format: String
    var nextCursor: String?
    var pages: Int
    var rows: Int
    var bytes: Int64

    enum CodingKeys: String, CodingKey {
        case jobId = "job_id", format, nextCursor = "next_cursor", pages, rows, bytes
    }

    static func read(_ path: String) -> ExportCheckpoint? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ExportCheckpoint.self, from: data)
    }

    func write(_ path: String) throws {
        let temporary = path + ".tmp"
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw ExportError.file(path, String(cString: strerror(errno))) }
    }
}
