import Foundation
import TamwatchModel
import TamwatchTesting
import Testing

@testable import tamwatch

/// What people copy from the README and the manual works with the tamwatch it describes: every
/// configuration and event shown validates against `tamwatch schema`, every command line
/// parses, and the configuration reference lists exactly the keys there are.
@Suite("The docs cannot drift", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct DocsTests {
    static let root = ServePageTests.root
    static let pages =
        ["README.md"]
        + ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)) ?? [])
        .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }

    static func text(_ page: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
    }

    @Test(
        "every configuration and event in the docs, and every event of a real watch, validates against tamwatch schema (Python's jsonschema)"
    )
    func schemas() async throws {
        let dir = temporaryDirectory()
        var schemaFiles: [String: String] = [:]
        for document in ["config", "event"] {
            let printed = try ChildProcess(["schema", document])
            #expect(try await printed.exitCode() == 0, "\(printed.stderr)")
            let path = dir.appendingPathComponent("\(document).schema.json").path
            try printed.stdoutLines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            schemaFiles[document] = path
        }

        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let job = try await sim.submit("degraded")
        let watch = try ChildProcess(
            [
                "watch", job, "--api-url", sim.url, "--poll-interval", "50ms", "--output", "ndjson", "--no-progress", "--state",
                dir.appendingPathComponent("s.sqlite").path,
            ],
            environment: ["OPENFUNNEL_API_KEY": SimulatorProcess.key])
        #expect(try await watch.exitCode() == 0, "\(watch.stderr)")
        let events = dir.appendingPathComponent("watch.ndjson")
        try (watch.stdoutLines.joined(separator: "\n") + "\n").write(to: events, atomically: true, encoding: .utf8)

        let check = try ChildProcess(
            [
                "python3", Self.root.appendingPathComponent("Tests/tools/schema_check.py").path, "--root", Self.root.path,
                "--config-schema", schemaFiles["config"] ?? "", "--event-schema", schemaFiles["event"] ?? "", "--events", events.path,
            ], executable: "/usr/bin/env")
        let code = try await check.exitCode()
        let report = try JSONValue.parse(try #require(check.stdoutLines.last, "no report: \(check.stderr)"))
        #expect(code == 0, "\(report["problems"] ?? .null) \(check.stderr)")
        let configs = report["configs"]?.arrayItems.compactMap(\.stringValue) ?? []
        for page in ["config/tamwatch.yaml", "config/packaging/tamwatch.yaml", "README.md#1", "docs/delivery.md#1", "docs/using.md#1"] {
            #expect(configs.contains(page), "\(page) was not checked: \(configs)")
        }
        // The docs show every type once; the watch adds what a real build emits.
        let types = Set(report["event_types"]?.arrayItems.compactMap(\.stringValue) ?? [])
        #expect(types == Set(EventType.allCases.map(\.rawValue)), "\(types)")
        #expect((report["events"]?.intValue ?? 0) >= EventType.allCases.count + watch.stdoutLines.count)
    }

    @Test("every tamwatch command line in the README and the manual parses, synopses included")
    func commandLines() throws {
        var parsed = 0
        for page in Self.pages {
            for line in CommandLines.find(in: try Self.text(page)) {
                do {
                    _ = try Tamwatch.parseAsRoot(line.arguments)
                } catch {
                    // `--help` is a request (exit 0), not a mistake.
                    if Tamwatch.exitCode(for: error) != .success {
                        Issue.record("\(page): `\(line.text)` → \(line.arguments): \(Tamwatch.message(for: error))")
                    }
                }
                parsed += 1
            }
        }
        #expect(parsed > 60, "found only \(parsed) command lines")
    }

    @Test("the configuration reference lists exactly the keys of tamwatch schema config (which are the reader's)")
    func configurationReference() async throws {
        let printed = try ChildProcess(["schema", "config"])
        #expect(try await printed.exitCode() == 0)
        let schema = try JSONValue.parse(printed.stdoutLines.joined(separator: "\n"))
        func keys(_ object: JSONValue?) -> Set<String> {
            guard case .object(let members)? = object?["properties"] else { return [] }
            return Set(members.map(\.0))
        }
        var top: Set<String> = []
        for section in keys(schema) {
            let inner = keys(schema["properties"]?[section])
            switch section {
            case "channels": top.insert("channels.NAME")
            case "rules", "templates": top.insert(section)
            default: top.formUnion(inner.map { "\(section).\($0)" })
            }
        }
        let channelKeys = (0..<3).reduce(into: Set<String>()) { $0.formUnion(keys(schema["$defs"]?["channel"]?["oneOf"]?[$1])) }
        let ruleKeys = keys(schema["properties"]?["rules"]?["items"])
        let tokenKeys = keys(schema["properties"]?["serve"]?["properties"]?["tokens"]?["items"]?["anyOf"]?[0])

        let reference = try Self.text("docs/configuration.md")
        let tables = CommandLines.tableKeys(reference)
        #expect(tables.count >= 2, "the key tables of docs/configuration.md")
        #expect(
            tables.first == top,
            "first table: missing \(top.subtracting(tables.first ?? [])), extra \((tables.first ?? []).subtracting(top))")
        #expect(tables.dropFirst().first == channelKeys, "channel keys: \(String(describing: tables.dropFirst().first)) vs \(channelKeys)")
        #expect(CommandLines.listedKeys(reference, after: "Rule keys:") == ruleKeys)
        #expect(CommandLines.listedKeys(reference, after: "Token keys") == tokenKeys)
    }
}

/// Command lines and key lists as the Markdown docs show them.
enum CommandLines {
    struct Line {
        var text: String
        var arguments: [String]
    }

    /// Every `tamwatch …` in a fenced block (a shell line, after `$ `, `sudo`, `&&` or `$(`) or an
    /// inline code span; a synopsis's `[--option VALUE]` and `a\|b` are taken as written with
    /// their first choice, and placeholders get a plausible value.
    static func find(in text: String) -> [Line] {
        var candidates: [String] = []
        var inFence = false
        var prose = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inFence.toggle()
                continue
            }
            if inFence {
                if let range = line.range(of: #"(^|\$ |&& |\$\(|sudo (-u \w+ )?)tamwatch "#, options: .regularExpression) {
                    let start = line.range(of: "tamwatch ", range: range)?.lowerBound ?? range.lowerBound
                    var command = String(line[start...])
                    for stop in [" #", " |", ")", " 2>", " >", " &", ";"] {
                        if let cut = command.range(of: stop) { command = String(command[..<cut.lowerBound]) }
                    }
                    candidates.append(command)
                }
            } else {
                prose += line + "\n"
            }
        }
        // Inline spans may wrap across lines.
        let spans = prose.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
        for (_, span) in spans where span.hasPrefix("tamwatch ") {
            candidates.append(span.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " "))
        }
        return candidates.compactMap { text in
            let words = words(text.trimmingCharacters(in: .whitespaces))
            guard words.first == "tamwatch", words.count > 1 else { return nil }
            // `tamwatch export` alone names the command: it must exist.
            return Line(text: text, arguments: words.count == 2 ? [words[1], "--help"] : resolve(Array(words.dropFirst())))
        }
    }

    /// Shell words: quotes kept together; a synopsis's brackets and `...` dropped.
    static func words(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character?
        var started = false
        for c in text.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "").replacingOccurrences(
            of: "...", with: "")
        {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                started = true
            } else if c == " " {
                if started || !current.isEmpty { out.append(current) }
                current = ""
                started = false
            } else {
                current.append(c)
            }
        }
        if started || !current.isEmpty { out.append(current) }
        return out
    }

    /// Placeholders (`JOB`, `$JOB`, `FILE`, `N`, ...) as values the parser accepts.
    static func resolve(_ words: [String]) -> [String] {
        var out: [String] = []
        for (i, raw) in words.enumerated() {
            let word = raw.components(separatedBy: "\\|").first ?? raw
            let option = i > 0 ? words[i - 1] : ""
            let placeholder =
                word.hasPrefix("$")
                || (word.count > 0 && word.allSatisfy { $0.isUppercase || $0 == "_" || $0 == ":" || $0 == "/" || $0 == "@" })
            guard placeholder else {
                out.append(word)
                continue
            }
            switch option {
            case "--limit", "--speed", "--port", "--total-credits", "--max-credits": out.append("5")
            case "--before": out.append(Cursor.encode(42))
            case "--listen": out.append("127.0.0.1:9477")
            case "--event": out.append("job.terminal")
            case "--label": out.append("team=sales")
            case "--state": out.append("state.sqlite")
            default: out.append(word.hasPrefix("$") || word.contains("JOB") ? "8a8e8a97-8192-48ff-849a-d8a96e949732" : "x")
            }
        }
        return out
    }

    /// The backquoted keys of each Markdown table's first column (`a` / `b` and `a`, `b` give both).
    static func tableKeys(_ text: String) -> [Set<String>] {
        var tables: [Set<String>] = []
        var current: Set<String>?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else {
                if let c = current { tables.append(c) }
                current = nil
                continue
            }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 2, !cells[1].contains("---"), cells[1].trimmingCharacters(in: .whitespaces) != "key" else { continue }
            let spans = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
            current = (current ?? []).union(spans.map { String($0.element) })
        }
        if let c = current { tables.append(c) }
        return tables
    }

    /// The backquoted words that open each `;`-separated item of the paragraph that starts with
    /// `marker`, from its first `: ` on.
    static func listedKeys(_ text: String, after marker: String) -> Set<String> {
        guard let start = text.range(of: marker), let colon = text.range(of: ": ", range: start.lowerBound..<text.endIndex) else {
            return []
        }
        let paragraph = text[colon.upperBound...].components(separatedBy: "\n\n").first ?? ""
        var keys: Set<String> = []
        for item in paragraph.split(separator: ";") {
            let parts = item.split(separator: "`", omittingEmptySubsequences: false)
            if parts.count > 1 { keys.insert(String(parts[1])) }
        }
        return keys
    }
}
