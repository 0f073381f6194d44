/// What is wrong with a PostgreSQL URL (never its password).
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { "not a PostgreSQL URL: \(message)" }
}
