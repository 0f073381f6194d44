import Foundation

/// A loopback port that refuses connections for as long as this lives: the socket is bound but
/// never listens, so no other test's server can be handed the same port meanwhile (closing a
/// server and reusing its port raced with servers started by tests running in parallel).
public final class RefusingPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        (fd, port) = try bindLoopback()
    }

    deinit { Glibc.close(fd) }
}
