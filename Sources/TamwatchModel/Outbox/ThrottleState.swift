import Foundation

/// What a rule's throttle remembers per job and channel: when the last progress delivery was
/// queued, how many were held back since, and the latest of those (sent when the window closes).
///
/// Stored through `json`, not Codable: the held event's data keeps its key order (a webhook
/// body sends it as it was), which a Codable decoder does not keep.
public struct ThrottleState: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var lastQueued: Date
        public var held: Int
        /// The newest progress event held back in this window.
        public var heldEvent: Event?

        public init(lastQueued: Date, held: Int, heldEvent: Event? = nil) {
            self.lastQueued = lastQueued
            self.held = held
            self.heldEvent = heldEvent
        }
    }

    /// Keyed `rule|channel` (the job is the state's owner).
    public var entries: [String: Entry] = [:]

    public init() {}

    public var json: JSONValue {
        .object(
            entries.sorted { $0.key < $1.key }.map { key, e in
                var members: [(String, JSONValue)] = [
                    ("last_queued", .number(e.lastQueued.timeIntervalSince1970)), ("held", .int(Int64(e.held))),
                ]
                if let event = e.heldEvent { members.append(("held_event", event.json)) }
                return (key, .object(members))
            })
    }

    public init(json: JSONValue) {
        guard case .object(let members) = json else { return }
        for (key, value) in members {
            guard let t = value["last_queued"]?.doubleValue else { continue }
            entries[key] = Entry(
                lastQueued: Date(timeIntervalSince1970: t), held: value["held"]?.intValue ?? 0,
                heldEvent: value["held_event"].flatMap(Event.init(json:)))
        }
    }
}
