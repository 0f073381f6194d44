/// A poll response that is not the documented shape (no `job_id`, no `status`, not an object).
public struct InvalidSnapshot: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
