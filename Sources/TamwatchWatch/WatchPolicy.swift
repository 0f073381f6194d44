import Synchronization
import TamwatchModel

/// What a configuration reload replaces in a running watcher: its event router (the rules) and
/// its settings, as one. Every copy of a `Watcher` shares it, so the watch loop sees a reload at its next poll.
public final class WatchPolicy: Sendable {
    private struct Current: Sendable {
        var router: (any EventRouter)?
        var settings: WatchSettings
    }
    private let current: Mutex<Current>

    public init(router: (any EventRouter)? = nil, settings: WatchSettings) {
        current = Mutex(Current(router: router, settings: settings))
    }

    public var router: (any EventRouter)? { current.withLock { $0.router } }
    public var settings: WatchSettings { current.withLock { $0.settings } }

    /// Both at once: no poll sees the new rules with the old settings.
    public func replace(router: (any EventRouter)?, settings: WatchSettings) {
        current.withLock { $0 = Current(router: router, settings: settings) }
    }

    func set(router: (any EventRouter)?) { current.withLock { $0.router = router } }
    func set(settings: WatchSettings) { current.withLock { $0.settings = settings } }
}
