/// A server stopped before it was listening.
public struct ServerStartError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
