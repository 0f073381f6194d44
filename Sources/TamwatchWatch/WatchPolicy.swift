import Synchronization
import TamwatchRules

/// What a configuration reload replaces in a running watcher: its rules and its settings, as
/// one. Every copy of a `Watcher` shares it, so the watch loop sees a reload at its next poll.
public final class WatchPolicy: Sendable {
    private struct Current: Sendable {
        var rules: RuleEngine?
        var settings: WatchSettings
    }
    private let current: Mutex<Current>

    public init(rules: RuleEngine? = nil, settings: WatchSettings) {
        current = Mutex(Current(rules: rules, settings: settings))
    }

    public var rules: RuleEngine? { current.withLock { $0.rules } }
    public var settings: WatchSettings { current.withLock { $0.settings } }

    /// Both at once: no poll sees the new rules with the old settings.
    public func replace(rules: RuleEngine?, settings: WatchSettings) {
        current.withLock { $0 = Current(rules: rules, settings: settings) }
    }

    func set(rules: RuleEngine?) { current.withLock { $0.rules = rules } }
    func set(settings: WatchSettings) { current.withLock { $0.settings = settings } }
}
