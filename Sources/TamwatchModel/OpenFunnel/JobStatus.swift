/// A TAM build status. The set is open: `pausing` and `paused` exist though the poll docs omit
/// them, and any value the API invents later passes through as it is.
public struct JobStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let pending: JobStatus = "pending"
    public static let running: JobStatus = "running"
    public static let pausing: JobStatus = "pausing"
    public static let paused: JobStatus = "paused"
    public static let cancelling: JobStatus = "cancelling"
    public static let cancelled: JobStatus = "cancelled"
    public static let completed: JobStatus = "completed"
    public static let failed: JobStatus = "failed"

    /// `completed`, `failed` and `cancelled` end a build; `paused` does not (it can resume).
    public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }

    public var description: String { rawValue }
}
