import Foundation
import TamwatchModel

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

    /// Through a temporary file created exclusively beside it (never through a planted link).
    func write(_ path: String) throws {
        do { try PrivateFile.replace(path, with: try JSONEncoder().encode(self)) } catch {
            throw ExportError.file(path, error.localizedDescription)
        }
    }
}
