import TamwatchModel

extension TamwatchConfig {
    /// What the configuration allows but cannot mean: `check` reports it and still passes.
    public var warnings: [ConfigError] {
        rules.compactMap { rule in
            guard rule.throttle != nil, !EventFields.selected(by: rule.on).contains(.progress) else { return nil }
            return ConfigError(
                file: file ?? "config", line: rule.line, key: "rules.\(rule.name).throttle",
                message:
                    "has no effect: a throttle holds back job.progress only, and this rule's events (\(rule.on.joined(separator: ", "))) never include it"
            )
        }
    }
}
