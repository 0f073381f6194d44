import Foundation
import Testing

@testable import TamwatchFuzz
@testable import TamwatchModel

/// Every input the fuzzers start from (Tests/Fuzz/Corpus) and every one that once broke a
/// check (Tests/Fuzz/Crashes), through the same checks, without sanitizers.
@Suite("Fuzz inputs, replayed", .timeLimit(.minutes(5)))
struct FuzzReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ target: String) -> [URL] {
        ["Corpus", "Crashes"].flatMap { folder -> [URL] in
            let dir = root.appendingPathComponent(folder).appendingPathComponent(target)
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().map { dir.appendingPathComponent($0) }
        }
    }

    @Test("every saved input keeps every check", arguments: FuzzChecks.targets.map(\.name))
    func replay(_ target: String) throws {
        defer { if target == "csv" { PythonCSV.shared.stop() } }
        let files = Self.inputs(target)
        #expect(files.count >= 5, "\(target): \(files.count) inputs")
        let check = try #require(FuzzChecks.check(target))
        for file in files {
            let problem = check([UInt8](try Data(contentsOf: file)))
            #expect(problem == nil, "\(file.lastPathComponent): \(problem ?? "")")
        }
    }

    @Test("timestamps: only RFC 3339's shape parses, every field in range, kept to the millisecond; formatting gives it back")
    func timestamps() {
        for bad in [
            "202916-2-1T12:00:00.123Z", "99999999999999999999-1-1T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-29T24:00:00Z",
            "2026-11-29T12:00:00.Z", "2026-11-29T12:00:00.1234567890Z", "2026-11-29 12:00:00Z", "2026-11-29T12:00:00nanZ", "",
        ] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        for (text, shown) in [
            ("2026-11-29T12:00:00.123Z", "2026-11-29T12:00:00.123Z"), ("2026-11-29T12:00:00Z", "2026-11-29T12:00:00.000Z"),
            ("2026-11-29T12:00:00.1231Z", "2026-11-29T12:00:00.123Z"), ("1013-11-29T12:00:00.999Z", "1013-11-29T12:00:00.999Z"),
            ("1969-12-31T23:59:59.500Z", "1969-12-31T23:59:59.500Z"),
        ] {
            let date = Timestamp.parse(text)
            #expect(date.map(Timestamp.format) == shown, "\(text)")
            #expect(date.flatMap { Timestamp.parse(Timestamp.format($0)) } == date, "\(text) reads back")
        }
    }

    @Test("a quoted display name of blanks is no name")
    func blankName() {
        #expect(EmailAddress(#"" " <ana@example.com>"#)?.name == nil)
        #expect(EmailAddress(#"" " <ana@example.com>"#)?.description == "ana@example.com")
        #expect(EmailAddress(#""  Ana Lima " <ana@example.com>"#)?.description == "Ana Lima <ana@example.com>")
    }
}
