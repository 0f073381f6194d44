import Foundation
import Yams

/// Reads the YAML configuration, expanding `${VAR}` and `${VAR:-default}` in every value and
/// collecting every problem with its file, line and key before giving up.
public struct ConfigLoader {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(path: String) throws(ConfigErrors) -> TamwatchConfig {
        let (config, errors) = loadCollecting(path: path)
        guard errors.isEmpty, let config else { throw ConfigErrors(errors) }
        return config
    }

    /// Parses configuration text; relative paths resolve against `baseDirectory`.
    public func parse(_ text: String, file: String, baseDirectory: String) throws(ConfigErrors) -> TamwatchConfig {
        let (config, errors) = parseCollecting(text, file: file, baseDirectory: baseDirectory)
        guard errors.isEmpty, let config else { throw ConfigErrors(errors) }
        return config
    }

    /// As `load`, but returns what could be read beside every problem (for `tamwatch check`,
    /// which goes on to the templates and rules even when the file has errors).
    public func loadCollecting(path: String) -> (TamwatchConfig?, [ConfigError]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            return (nil, [ConfigError(file: path, line: nil, key: "", message: "the configuration file \(why)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [ConfigError(file: path, line: nil, key: "", message: "the file is not UTF-8 text")])
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return parseCollecting(text, file: path, baseDirectory: folder)
    }

    /// As `parse`, but returns what could be read beside every problem.
    public func parseCollecting(_ text: String, file: String, baseDirectory: String) -> (TamwatchConfig?, [ConfigError]) {
        var reader = Reader(file: file, environment: environment)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (nil, [reader.yamlError(error)])
        } catch {
            return (nil, [ConfigError(file: file, line: nil, key: "", message: "invalid YAML")])
        }
        var config = TamwatchConfig()
        config.file = file
        config.statePath = URL(fileURLWithPath: baseDirectory).appendingPathComponent(config.statePath).path
        if let root {
            reader.read(root, into: &config, baseDirectory: baseDirectory)
        }
        // In file order, whichever pass found them.
        let sorted = reader.errors.enumerated().sorted {
            ($0.element.line ?? 0, $0.element.column ?? 0, $0.offset) < ($1.element.line ?? 0, $1.element.column ?? 0, $1.offset)
        }
        return (
            config,
            sorted.map {
                var problem = $0.element
                problem.message = reader.masked(problem.message)
                problem.key = reader.masked(problem.key)
                return problem
            }
        )
    }
}
