import Foundation
import TamwatchModel
import TamwatchShipped

/// The scenarios shipped in `config/scenarios/`, carried in the binary.
public enum ScenarioCatalog {
    public static func bundled() throws(ScenarioError) -> [String: Scenario] {
        var out: [String: Scenario] = [:]
        for (file, text) in Shipped.scenarios.sorted(by: { $0.key < $1.key }) {
            let scenario = try Scenario.parse(text, file: file)
            out[scenario.name] = scenario
        }
        return out
    }

    /// A scenario by file path (anything with a `/` or a `.yaml` ending) or by name; nil gives `normal`.
    public static func resolve(_ nameOrPath: String?, catalog: [String: Scenario]) throws(ScenarioError) -> Scenario {
        guard let nameOrPath else { return catalog["normal"] ?? .standard }
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            return try Scenario.load(path: nameOrPath)
        }
        guard let scenario = catalog[nameOrPath] else {
            let known = catalog.keys.sorted().joined(separator: ", ")
            throw ScenarioError(
                file: nameOrPath, message: "no such scenario (known: \(known))")
        }
        return scenario
    }
}
