import Foundation

public struct MatcherError: Error, Sendable, Equatable {
    public var reason: String
}
