import Foundation
import Synchronization

/// The process's redactor, for the log handler and messages printed by the commands; set once
/// the configuration is loaded.
public enum Redaction {
    private static let installed = Mutex(Redactor())

    public static func install(_ redactor: Redactor) { installed.withLock { $0 = redactor } }

    public static var current: Redactor { installed.withLock { $0 } }

    public static func redact(_ text: String) -> String { current.redact(text) }
}
