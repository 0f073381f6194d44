import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchResults
import TamwatchTesting
import Testing

@Suite("tamwatch export, end to end", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ExportTests {
    static let csvReader = ServePageTests.root.appendingPathComponent("Tests/tools/csv_rows.py").path

    /// A build of `scenario` run to its end by `tamwatch watch`.
    static func completedBuild(_ sim: SimulatorProcess, scenario: String? = nil) async throws -> String {
        let job = try await sim.submit(scenario)
        // In a folder of its own: its state file is not another test's.
        let watch = try ChildProcess(
            ["watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress"],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key], directory: temporaryDirectory())
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        return job
    }

    /// Every row of the build, read page by page (reads by cursor do not move a simulated build on).
    static func rows(_ job: String, sim: SimulatorProcess) async throws -> [JSONValue] {
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let client = OpenFunnelClient(baseURL: sim.url, apiKey: SimulatorProcess.key, transport: transport)
        var rows: [JSONValue] = []
        var cursor: String? = "page_0000"
        while let next = cursor {
            let page = try await client.poll(jobId: job, cursor: next)
            rows += page.rows.map(\.json)
            cursor = page.nextCursor
        }
        return rows
    }

    static func export(_ job: String, sim: SimulatorProcess, _ extra: [String]) throws -> ChildProcess {
        try ChildProcess(
            ["export", job, "--api-url", sim.url, "--no-progress"] + extra, environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
    }

    /// The CSV as Python's csv module reads it.
    static func csv(_ file: URL) async throws -> [[String]] {
        let json = file.appendingPathExtension("json")
        let reader = try ChildProcess(["python3", csvReader, file.path, json.path], executable: "/usr/bin/env")
        #expect(try await reader.exitCode() == 0, "\(reader.stderr)")
        guard case .array(let rows) = try JSONValue.parse(String(contentsOf: json, encoding: .utf8)) else { return [] }
        return rows.map { row in row.arrayItems.compactMap(\.stringValue) }
    }

    /// What a row's columns should read as in CSV.
    static func expectedCSV(_ row: JSONValue) -> [String] {
        ResultFormat.columns.map { column in
            switch row[column] {
            case nil, .null?: return ""
            case .string(let s)?: return s
            case .array(let items)?: return items.compactMap(\.stringValue).joined(separator: "; ")
            case let other?: return other.serialized()
            }
        }
    }

    @Test("a completed build of 21,815 rows to CSV and NDJSON: exactly the API's rows, checked against the manifest")
    func completedBuild() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await Self.completedBuild(sim)
        let expected = try await Self.rows(job, sim: sim)
        #expect(expected.count == 21_815)

        let csvFile = dir.appendingPathComponent("list.csv")
        let csv = try Self.export(job, sim: sim, ["--output", csvFile.path])
        #expect(try await csv.exitCode() == 0, "\(csv.stderr)")
        #expect(csv.stderr.contains("✓ 21,815 unique companies, as manifest.unique_count says"))
        let parsed = try await Self.csv(csvFile)
        #expect(parsed.first == ResultFormat.columns)
        #expect(parsed.count == expected.count + 1)
        let mismatches = zip(parsed.dropFirst(), expected).filter { $0.0 != Self.expectedCSV($0.1) }
        #expect(mismatches.isEmpty, "first difference: \(String(describing: mismatches.first))")
        #expect(!FileManager.default.fileExists(atPath: csvFile.path + ".export.json"), "no checkpoint left after a whole export")

        let ndjsonFile = dir.appendingPathComponent("list.ndjson")
        let ndjson = try Self.export(job, sim: sim, ["--format", "ndjson", "--output", ndjsonFile.path])
        #expect(try await ndjson.exitCode() == 0, "\(ndjson.stderr)")
        let lines = try String(contentsOf: ndjsonFile, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(lines == expected)

        // An existing file is not overwritten unless asked.
        let again = try Self.export(job, sim: sim, ["--output", csvFile.path])
        #expect(try await again.exitCode() == 1)
        #expect(again.stderr.contains("already exists") && again.stderr.contains("--force"))
        let forced = try Self.export(job, sim: sim, ["--output", csvFile.path, "--force"])
        #expect(try await forced.exitCode() == 0)
    }

    @Test("killed with SIGKILL mid-export, the same command carries on: every row once, in order")
    func sigkillAndCarryOn() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await Self.completedBuild(sim)
        let file = dir.appendingPathComponent("list.csv")
        let first = try Self.export(job, sim: sim, ["--output", file.path])
        try await first.waitForStderr { $0.contains("page 50/219") }
        try await first.sigkill()
        #expect(FileManager.default.fileExists(atPath: file.path + ".export.json"), "stopped mid-way: \(first.stderr)")

        let second = try Self.export(job, sim: sim, ["--output", file.path])
        #expect(try await second.exitCode() == 0, "\(second.stderr)")
        #expect(second.stderr.contains("carrying on after"))
        #expect(second.stderr.contains("✓ 21,815 unique companies"))
        let parsed = try await Self.csv(file)
        let expected = try await Self.rows(job, sim: sim)
        #expect(parsed.dropFirst().map { $0[1] } == expected.compactMap { $0["domain"]?.stringValue }, "every row once, in order")
    }

    @Test("429 with Retry-After, 5xx and a truncated body between pages change nothing in the file")
    func faultsBetweenPages() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await Self.completedBuild(sim, scenario: "flaky")
        let file = dir.appendingPathComponent("list.ndjson")
        let export = try Self.export(job, sim: sim, ["--format", "ndjson", "--output", file.path])
        #expect(try await export.exitCode() == 0, "\(export.stderr)")
        for fault in ["HTTP 429", "HTTP 503", "HTTP 500", "retrying in"] { #expect(export.stderr.contains(fault), "\(fault)") }
        // Read after the export: the faults hit only a page's first read.
        let expected = try await Self.rows(job, sim: sim)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(lines == expected)
    }

    @Test("a running build: what exists so far, said to be partial")
    func runningBuild() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit(nil)
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let client = OpenFunnelClient(baseURL: sim.url, apiKey: SimulatorProcess.key, transport: transport)
        for _ in 0..<3 { _ = try await client.pollSnapshot(jobId: job) }
        let file = dir.appendingPathComponent("list.csv")
        let export = try Self.export(job, sim: sim, ["--output", file.path])
        #expect(try await export.exitCode() == 0, "\(export.stderr)")
        #expect(export.stderr.contains("the build is still running"))
        let now = try await client.poll(jobId: job, cursor: "page_0000")
        #expect(now.snapshot.status == .running)
        let parsed = try await Self.csv(file)
        #expect(parsed.count - 1 == now.snapshot.processed, "every row that exists so far")
        #expect(parsed.count > 1)
    }

    @Test("a missing build, or a refused key: exit non-zero, and no file, checkpoint or domains left behind")
    func nothingExported() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit(nil)
        for (what, id, key) in [
            ("a missing build", "00000000-0000-4000-8000-000000000000", SimulatorProcess.key), ("a wrong key", job, "of_wrong"),
        ] {
            let dir = temporaryDirectory()
            let export = try ChildProcess(
                ["export", id, "--api-url", sim.url, "--no-progress"], environment: ["OPENFUNNEL_API_KEY": key], directory: dir)
            #expect(try await export.exitCode() != 0, "\(what)")
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(left.isEmpty, "\(what): \(left) left behind; \(export.stderr)")
        }
    }

    @Test(
        "files: a planted link at the output or its checkpoint is replaced, never written through; lists and state are 0600, folders 0700")
    func plantedLinks() async throws {
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await Self.completedBuild(sim)
        let dir = temporaryDirectory()
        let victim = dir.appendingPathComponent("victim.txt")
        try "precious".write(to: victim, atomically: true, encoding: .utf8)
        let file = dir.appendingPathComponent("list.csv")
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: victim.path)
        try FileManager.default.createSymbolicLink(atPath: Exporter.checkpointPath(file.path), withDestinationPath: victim.path)

        let refused = try Self.export(job, sim: sim, ["--output", file.path])
        #expect(try await refused.exitCode() != 0 && refused.stderr.contains("already exists"), "\(refused.stderr)")
        let forced = try Self.export(job, sim: sim, ["--output", file.path, "--force"])
        #expect(try await forced.exitCode() == 0, "\(forced.stderr)")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try await Self.csv(file).count > 1)

        // A watch's state file, its lock, and the results folder with its list: the owner's only.
        let results = dir.appendingPathComponent("lists")
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try "state: { path: state/tamwatch.sqlite }\nresults: { dir: \(results.path) }\n".write(
            to: config, atomically: true, encoding: .utf8)
        let other = try await sim.submit(nil)
        let watch = try ChildProcess(
            ["watch", other, "--config", config.path, "--api-url", sim.url, "--poll-interval", "50ms", "--no-progress"],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        func mode(_ path: String) throws -> Int? { try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        #expect(try mode(dir.appendingPathComponent("state").path) == 0o700)
        #expect(try mode(dir.appendingPathComponent("state/tamwatch.sqlite").path) == 0o600)
        #expect(try mode(results.path) == 0o700)
        let lists = try FileManager.default.contentsOfDirectory(atPath: results.path)
        #expect(!lists.isEmpty)
        for name in lists { #expect(try mode(results.appendingPathComponent(name).path) == 0o600, "\(name)") }
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("state").path) {
            #expect(try mode(dir.appendingPathComponent("state/\(name)").path) == 0o600, "\(name)")
        }
    }
}
