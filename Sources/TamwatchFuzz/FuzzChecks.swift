import Foundation
import TamwatchModel

/// What the fuzz targets (`scripts/fuzz`, the `tamwatch-fuzz` executable) hold of tamwatch's
/// parsers for any input: no crash, no hang, and the properties below; each returns the broken
/// one, or nil. Under libFuzzer a broken property stops the process (that is how libFuzzer
/// hears of it); the unit tests replay every saved input (Tests/Fuzz/) through the same checks.
public enum FuzzChecks {
    /// Every target by name, as `scripts/fuzz` and the replay tests call them.
    public static let targets: [(name: String, check: @Sendable ([UInt8]) -> String?)] = [
        ("json", json), ("text", text), ("http", http), ("csv", csv), ("config", config), ("render", render), ("differ", differ),
        ("api", api),
    ]

    public static var names: String { targets.map(\.name).joined(separator: ", ") }

    public static func check(_ name: String) -> (@Sendable ([UInt8]) -> String?)? { targets.first { $0.name == name }?.check }

    /// A JSON body from outside (an API answer, an event a receiver got): a value that parses
    /// serializes to text that parses to the same value; a snapshot or an event read from it
    /// reads back the same from its own JSON.
    public static func json(_ bytes: [UInt8]) -> String? {
        guard let value = try? JSONValue.parse(bytes: bytes) else { return nil }
        let text = value.serialized()
        guard let again = try? JSONValue.parse(text) else { return "its serialization does not parse: \(text.prefix(200))" }
        if again.serialized() != text { return "a round trip changed the value: \(text.prefix(200))" }
        _ = try? JobSnapshot(json: value)
        if let event = Event(json: value), Event(json: event.json) != event {
            return "an event does not read back from its own envelope: \(event.json.serialized().prefix(200))"
        }
        return nil
    }

    /// Text from outside (a config value, a header, a query parameter): durations, cursors,
    /// job ids, labels, `where` conditions, mail addresses and Subject headers.
    public static func text(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = DurationText.parse(text)
        if let n = Cursor.decode(text), Cursor.decode(Cursor.encode(n)) != n { return "cursor \(n) does not round-trip" }
        _ = JobID.problem(text)
        let halves = text.split(separator: "=", maxSplits: 1).map(String.init)
        _ = Label.problem(key: halves.first ?? "", value: halves.count > 1 ? halves[1] : "")
        _ = Matcher.parse(text)
        if let address = EmailAddress(text) {
            let shown = address.description
            if shown.contains("\r") || shown.contains("\n") { return "an address shows a line break" }
            if EmailAddress(shown)?.description != shown { return "an address does not read back: \(shown)" }
        }
        let subject = MailHeader.encodedWord(text)
        // Folding is CRLF and a space; no other line break, and no control character, survives.
        let unfolded = subject.replacingOccurrences(of: "\r\n ", with: " ")
        if unfolded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "a Subject holds a control character: \(subject.debugDescription.prefix(200))"
        }
        return nil
    }
}
