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
    /// README.md and every page of the manual (docs/, its folders included).
    static let pages: [String] = {
        let docs = root.appendingPathComponent("docs")
        let found = FileManager.default.enumerator(atPath: docs.path)?.compactMap { $0 as? String } ?? []
        return ["README.md"] + found.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
    }()

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

    @Test("scripts/draw-messages draws every provider's message in headless Chromium, as the channel pages show them")
    func pictures() async throws {
        let dir = temporaryDirectory()
        let draw = try ChildProcess(
            [
                "python3", Self.root.appendingPathComponent("scripts/draw-messages").path, "--tamwatch", ChildProcess.binary, "--out",
                dir.path,
            ],
            executable: "/usr/bin/env")
        #expect(try await draw.exitCode(timeout: .seconds(120)) == 0, "\(draw.stderr)")
        for kind in ["slack", "mattermost", "discord", "teams", "googlechat", "email"] {
            let png = try Data(contentsOf: dir.appendingPathComponent("\(kind).png"))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(kind).png: \(png.count) bytes")
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("docs/channels/\(kind).png").path))
        }
    }

    @Test("every link between the docs leads to a file that exists, and to a heading it has")
    func links() throws {
        var checked = 0
        for page in Self.pages + ["CONTRIBUTING.md", "SECURITY.md", "CHANGELOG.md", "templates/README.md"] {
            let base = Self.root.appendingPathComponent(page).deletingLastPathComponent()
            for target in CommandLines.links(try Self.text(page)) where !target.contains("://") && !target.hasPrefix("mailto:") {
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let file = parts[0].isEmpty ? Self.root.appendingPathComponent(page) : base.appendingPathComponent(parts[0])
                guard FileManager.default.fileExists(atPath: file.standardizedFileURL.path) else {
                    Issue.record("\(page): \(target): no such file")
                    continue
                }
                if parts.count == 2, file.pathExtension == "md" {
                    let headings = CommandLines.anchors(try String(contentsOf: file, encoding: .utf8))
                    if !headings.contains(parts[1]) { Issue.record("\(page): \(target): no such heading (\(headings.sorted()))") }
                }
                checked += 1
            }
        }
        #expect(checked > 40, "found only \(checked) links")
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
                    candidates.append(String(line[start...]))
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
        return candidates.compactMap { candidate in
            // The command, without a comment, a pipe or a redirection after it.
            var text = candidate
            for stop in [" #", " |", ")", " 2>", " >", " &", ";"] {
                if let cut = text.range(of: stop) { text = String(text[..<cut.lowerBound]) }
            }
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

    /// The targets of a page's Markdown links and images, outside code.
    static func links(_ text: String) -> [String] {
        var prose = ""
        var inFence = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inFence.toggle() } else if !inFence { prose += line + "\n" }
        }
        let unquoted = prose.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
        return unquoted.matches(of: /\]\(([^)\s]+)\)/).map { String($0.output.1) }
    }

    /// GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as dashes.
    static func anchors(_ text: String) -> Set<String> {
        var out: Set<String> = []
        var inFence = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("```") { inFence.toggle() }
            guard !inFence, line.hasPrefix("#") else { continue }
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
            out.insert(
                String(
                    title.compactMap { c -> Character? in c == " " ? "-" : (c.isLetter || c.isNumber || c == "-" || c == "_") ? c : nil }))
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
