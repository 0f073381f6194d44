import Foundation
import TamwatchModel

/// The scenarios shipped in `config/scenarios/`, found from any working directory.
public enum ScenarioCatalog {
    public static func bundled() throws(ScenarioError) -> [String: Scenario] {
        guard let dir = ResourceLocator.directory("config/scenarios") else { return [:] }
        return try Scenario.loadAll(directory: dir)
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
                file: nameOrPath, message: "no such scenario (known: \(known.isEmpty ? "none found; set TAMWATCH_HOME" : known))")
        }
        return scenario
    }
}
