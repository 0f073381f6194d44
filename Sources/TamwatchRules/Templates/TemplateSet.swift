import Foundation
import Mustache
import TamwatchChannels
import TamwatchConfig
import TamwatchModel

/// Every template tamwatch can use: the user's folder first, then the shipped `templates/`.
///
/// Files are `templates/<channel kind>/<name>.<ext>` where name is an event type, `default`
/// (the fallback for the kind) or the name a rule gives in `template:`. Every file is parsed
/// at start, so a broken template is a configuration error with its file, line and column.
public struct TemplateSet: Sendable {
    public private(set) var files: [String: TemplateFile] = [:]
    /// The folders searched, first wins.
    public private(set) var folders: [String] = []

    public init() {}

    /// What `folders` lists for the templates carried in the binary.
    public static let builtInName = "(built in)"

    /// Loads the folders in order (earlier ones override later ones, file by file), over the
    /// built-in templates (`kind/name.ext` to text), which every folder overrides.
    public static func load(folders: [String], builtIn: [String: String] = [:]) throws(ConfigErrors) -> TemplateSet {
        registerContentTypes
        var set = TemplateSet()
        var errors: [ConfigError] = []
        if !builtIn.isEmpty { set.folders.append(builtInName) }
        for (key, text) in builtIn.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/")
            guard parts.count == 2, ChannelType(rawValue: String(parts[0])) != nil,
                let format = TemplateFormat(rawValue: (key as NSString).pathExtension)
            else { continue }
            do throws(ConfigError) {
                let file = try parse(text, path: "\(builtInName) \(key)", key: key, format: format)
                set.files[file.key] = file
            } catch {
                errors.append(error)
            }
        }
        for folder in folders.reversed() {
            set.folders.insert(folder, at: 0)
            let root = URL(fileURLWithPath: folder)
            guard let kinds = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for kind in kinds.sorted() where ChannelType(rawValue: kind) != nil {
                let dir = root.appendingPathComponent(kind)
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
                for name in names.sorted() {
                    let ext = (name as NSString).pathExtension
                    guard let format = TemplateFormat(rawValue: ext) else { continue }
                    let path = dir.appendingPathComponent(name).path
                    do throws(ConfigError) {
                        let file = try parseFile(path: path, key: "\(kind)/\(name)", format: format)
                        set.files[file.key] = file
                    } catch {
                        errors.append(error)
                    }
                }
            }
        }
        errors += set.link()
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return set
    }

    /// Gives every file the library its partials come from: the templates of the same kind and
    /// extension, by name (`{{> footer}}` in `slack/x.json` is `slack/footer.json`). A partial
    /// that does not exist is an error with its file, line and column, not a silent "".
    mutating func link() -> [ConfigError] {
        var libraries: [String: MustacheLibrary] = [:]
        for (key, file) in files {
            let group = Self.group(key)
            let name = String(key.dropFirst(group.kind.count + 1).dropLast(group.ext.count + 1))
            libraries["\(group.kind)/.\(group.ext)", default: MustacheLibrary()].register(file.template, named: name)
        }
        var errors: [ConfigError] = []
        for key in files.keys.sorted() {
            guard var file = files[key] else { continue }
            let group = Self.group(key)
            let library = libraries["\(group.kind)/.\(group.ext)"]
            for partial in file.partials where library?.getTemplate(named: partial.name) == nil {
                errors.append(
                    ConfigError(
                        file: file.path, line: partial.line, column: partial.column, key: "",
                        message:
                            "partial '\(partial.name)' not found (looked for \(group.kind)/\(partial.name).\(group.ext) in \(folders.joined(separator: ", ")))"
                    ))
            }
            file.library = library
            files[key] = file
        }
        return errors
    }

    /// `slack/job.terminal.json` → (`slack`, `json`).
    private static func group(_ key: String) -> (kind: String, ext: String) {
        let kind = key.split(separator: "/").first.map(String.init) ?? ""
        return (kind, (key as NSString).pathExtension)
    }

    /// `{{> name}}` and `{{< name}}` tags with their line and column (standard delimiters).
    static func partialNames(_ text: String) -> [(name: String, line: Int, column: Int)] {
        var out: [(String, Int, Int)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line[...]
            while let open = rest.range(of: "{{") {
                let after = rest[open.upperBound...]
                guard let sigil = after.first, sigil == ">" || sigil == "<",
                    let close = after.range(of: "}}")
                else { rest = after; continue }
                var name = after[after.index(after: after.startIndex)..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("*") { rest = after[close.upperBound...]; continue }  // dynamic: named at render time
                name = name.trimmingCharacters(in: .whitespaces)
                if !name.isEmpty {
                    out.append((name, index + 1, line.distance(from: line.startIndex, to: open.lowerBound) + 1))
                }
                rest = after[close.upperBound...]
            }
        }
        return out
    }

    /// Parses one template; a syntax error names the file, line and column.
    public static func parseFile(path: String, key: String, format: TemplateFormat) throws(ConfigError) -> TemplateFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the template")
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(text, path: path, key: key, format: format)
    }

    public static func parse(_ text: String, path: String, key: String, format: TemplateFormat) throws(ConfigError) -> TemplateFile {
        registerContentTypes
        // The pragma goes on line 1 without a newline, so line numbers stay those of the file.
        let pragma = format.pragma(kind: key.split(separator: "/").first.map(String.init))
        do {
            let template = try MustacheTemplate(string: pragma + text)
            return TemplateFile(key: key, path: path, format: format, template: template, partials: partialNames(text), library: nil)
        } catch let error as MustacheTemplate.ParserError {
            let line = error.context.lineNumber
            var column = error.context.columnNumber
            if line == 1 { column = max(1, column - pragma.count) }
            throw ConfigError(
                file: path, line: line, column: column, key: "",
                message: "template syntax error: \(describe(error.error))")
        } catch {
            throw ConfigError(file: path, line: nil, key: "", message: "template syntax error: \(error)")
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let e = error as? MustacheTemplate.Error else { return "\(error)" }
        switch e {
        case .sectionCloseNameIncorrect: return "a section is closed with the wrong name"
        case .unfinishedName: return "a tag is not closed (missing }})"
        case .expectedSectionEnd: return "a section is not closed ({{/name}} missing)"
        case .invalidSetDelimiter: return "invalid set-delimiter tag"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: return "invalid {{% pragma }}"
        case .transformAppliedToInheritanceSection, .illegalTokenInsideInheritSection, .textInsideInheritSection:
            return "invalid inheritance section"
        }
    }

    /// Adds one file (tests, `render`); returns the partials that are now missing.
    @discardableResult
    public mutating func add(_ file: TemplateFile) -> [ConfigError] {
        files[file.key] = file
        return link()
    }

    /// The template a message uses: the rule's own name, else the event type, else `default`.
    /// `suffix` picks a part (`subject.txt`, `txt`, `html`, `json`).
    public func find(kind: ChannelType, templateName: String?, eventType: EventType, suffix: String) -> TemplateFile? {
        if let templateName { return files["\(kind.rawValue)/\(templateName).\(suffix)"] }
        return files["\(kind.rawValue)/\(eventType.rawValue).\(suffix)"] ?? files["\(kind.rawValue)/default.\(suffix)"]
    }

    /// True when some file exists for this kind under this name (any part).
    public func has(kind: ChannelType, name: String) -> Bool {
        let prefix = "\(kind.rawValue)/\(name)."
        return files.keys.contains { $0.hasPrefix(prefix) }
    }
}
/// swift-mustache keeps content types in a global table; ours are registered once.
let registerContentTypes: Void = {
    MustacheContentTypes.register(JSONStringContentType(), named: "JSON")
    for (name, type) in Channels.contentTypes { MustacheContentTypes.register(type, named: name) }
}()
