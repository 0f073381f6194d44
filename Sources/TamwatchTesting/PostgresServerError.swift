/// The tests' PostgreSQL server could not be had: what failed, with its output.
public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
