import Synchronization

/// Whether the service is ready: starting until the watcher, the dispatcher and the listener
/// run; stopping from the first moment of a shutdown.
final class Readiness: Sendable {
    private struct State {
        var watcher = false
        var dispatcher = false
        var listening = false
        var stopping = false
        var logged: String?
    }

    private let state = Mutex(State())

    func set(watcher: Bool? = nil, dispatcher: Bool? = nil, listening: Bool? = nil, stopping: Bool? = nil) {
        state.withLock { s in
            if let watcher { s.watcher = watcher }
            if let dispatcher { s.dispatcher = dispatcher }
            if let listening { s.listening = listening }
            if let stopping { s.stopping = stopping }
        }
    }

    /// nil when ready, else why not.
    var reason: String? {
        state.withLock { s in
            if s.stopping { return "stopping" }
            var missing: [String] = []
            if !s.watcher { missing.append("watcher") }
            if !s.dispatcher { missing.append("dispatcher") }
            if !s.listening { missing.append("listener") }
            return missing.isEmpty ? nil : "starting: waiting for the " + missing.joined(separator: ", ")
        }
    }

    /// Whether `reason` is new since it was last logged (a probe every second logs it once).
    func shouldLog(_ reason: String) -> Bool {
        state.withLock { s in
            guard s.logged != reason else { return false }
            s.logged = reason
            return true
        }
    }
}
