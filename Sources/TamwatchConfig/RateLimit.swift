import Foundation
import TamwatchModel

/// `count` deliveries per `per`, e.g. `10/s`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var per: Duration

    public init(count: Int, per: Duration) {
        self.count = count
        self.per = per
    }

    /// `10/s`, `1/s`, `30/m`, `100/1m`.
    public static func parse(_ text: String) -> RateLimit? {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
        let unit: Duration?
        switch parts[1] {
        case "s": unit = .seconds(1)
        case "m": unit = .seconds(60)
        case "h": unit = .seconds(3600)
        default: unit = DurationText.parse(parts[1])
        }
        guard let unit, unit > .zero else { return nil }
        return RateLimit(count: count, per: unit)
    }

    public var description: String { "\(count)/\(DurationText.format(per))" }
}
