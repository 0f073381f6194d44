import ArgumentParser
import Foundation
import TamwatchApp
import TamwatchConfig
import TamwatchDelivery
import TamwatchHTTP

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the configuration, every template, and every rule's channels and fields.",
        discussion: "Reports every problem in one run, each with file, line and key. Exit 0 when all is well, 78 otherwise. Sends nothing."
    )

    @Option(name: .long, help: "The YAML configuration file (default: $TAMWATCH_CONFIG, else ./tamwatch.yaml).")
    var config: String?

    func run() async throws {
        guard let path = configPath(config) else {
            printError("tamwatch check: no configuration file: pass --config FILE, set TAMWATCH_CONFIG, or add ./tamwatch.yaml")
            throw Exit.configuration
        }
        let (loaded, configErrors) = ConfigLoader().loadCollecting(path: path)
        var errors = configErrors
        var setup: DeliverySetup?
        // Templates and rules are checked even when the file has errors elsewhere.
        let checked = loaded ?? TamwatchConfig()
        let transport = CurlTransport()
        defer { transport.shutdown() }
        do { setup = try DeliverySetup.load(checked, transport: transport) } catch {
            // What the reader already said of a key (a bad secret of channels.x) is not said again of its parent.
            errors += error.errors.filter { e in !errors.contains { $0 == e || ($0.message == e.message && $0.key.hasPrefix(e.key + ".")) }
            }
        }
        if !errors.isEmpty {
            printConfigErrors(ConfigErrors(errors))
            throw Exit.configuration
        }
        guard let config = loaded, let setup else { throw Exit.configuration }
        for warning in config.warnings { printError("tamwatch check: warning: \(warning)") }
        let channels = config.channels.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", ")
        var lines = ["\(path): ok"]
        lines.append("  channels: \(config.channels.isEmpty ? "none" : channels)")
        lines.append("  rules: \(config.rules.isEmpty ? "none" : config.rules.map(\.name).joined(separator: ", "))")
        lines.append("  templates: \(setup.templates.files.count) parsed from \(setup.templates.folders.joined(separator: ", "))")
        lines.append("  state: \(config.statePath)")
        print(lines.joined(separator: "\n"))
    }
}
