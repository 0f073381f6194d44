import Foundation

public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// SQLite found the file damaged: its pages do not make a database any more.
        case corrupt
        /// Not a tamwatch state file: not SQLite at all, or a database with other tables.
        case notTamwatch
        /// Written by an older tamwatch, and opened read-only, so it cannot be upgraded.
        case outdated
        /// Written by a newer tamwatch: its schema has changes this one does not know, so this one
        /// writes nothing to it.
        case newer
        /// A commit for a watch this replica no longer holds (its lease expired and another
        /// replica took it): nothing was stored; the watch is the other replica's now.
        case fenced
        case other
    }

    public var path: String
    public var message: String
    public var kind: Kind

    public init(path: String, message: String, kind: Kind = .other) {
        self.path = path
        self.message = message
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .corrupt:
            return "state file \(path) is corrupt (\(message)). Move it aside and start a new one: watching again rebuilds "
                + "what a watch needs, though its history and any deliveries still queued in it are lost"
        default: return "\(path.hasPrefix("postgres://") ? "state database" : "state file") \(path): \(message)"
        }
    }

    /// 78 for a file that is not a tamwatch state file (a wrong path is a configuration
    /// error); 74 (an I/O error) for everything else.
    public var exitCode: Int32 { kind == .notTamwatch ? 78 : 74 }
}
