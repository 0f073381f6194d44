import Foundation
import TamwatchModel

/// A chat provider's message format: its escaping and the limits a rendered payload is made to fit.
public protocol ChatFormat: Sendable {
    /// Visibly truncates what exceeds the provider's limits, so the provider never rejects a
    /// message for its size. Pure; applied when a delivery is queued.
    static func fit(_ payload: JSONValue) -> JSONValue
}
