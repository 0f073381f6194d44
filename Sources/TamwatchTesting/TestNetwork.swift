import Foundation
import Synchronization

public struct TestNetworkError: Error, CustomStringConvertible {
    public var description: String
}

/// Hosts of a test's own: network namespaces, each joined to this one by veth links with
/// addresses of their own (`ip netns`, `ip link`, `ip addr`; needs root). A link can be cut
/// (its end here taken down: packets are dropped, nothing is refused) and healed. `remove()`
/// deletes the namespaces and their links; at exit, whatever a test left is deleted too.
public final class TestNetwork: Sendable {
    /// One link between a host and this namespace.
    public struct Link: Sendable {
        /// The address on the host's end, and on this end.
        public let hostAddress: String
        public let rootAddress: String
        /// The interface on this end (cut and heal take it down and up).
        public let rootInterface: String
    }

    /// Namespace names, one per host.
    public let hosts: [String]
    /// Each host's links, in order.
    public let links: [[Link]]

    private static let next = Mutex(0)
    private static let live = Mutex<Set<String>>([])

    public init(hosts count: Int, linksPerHost: Int) throws {
        let id = Self.next.withLock { n in
            defer { n += 1 }
            return n
        }
        // 10.X.Y.Z/30 per link: X from the process (tests run in several processes), Y per network.
        let pid = Int(getpid())
        let (x, y) = (100 + pid % 100, id % 256)
        var hosts: [String] = []
        var links: [[Link]] = []
        // Registered first, so a failure half-way still removes what was made.
        if Self.live.withLock({ $0.isEmpty }) { atexit { TestNetwork.removeAll() } }
        do {
            for h in 0..<count {
                let name = "tw\(pid)n\(id)h\(h)"
                try Self.ip(["netns", "add", name])
                Self.live.withLock { _ = $0.insert(name) }
                hosts.append(name)
                try Self.ip(["-n", name, "link", "set", "lo", "up"])
                var own: [Link] = []
                for l in 0..<linksPerHost {
                    let n = h * linksPerHost + l
                    guard n < 64 else { throw TestNetworkError(description: "at most 64 links per network") }
                    let root = "tw\(pid)v\(id)x\(n)"
                    let (here, there) = ("10.\(x).\(y).\(n * 4 + 1)", "10.\(x).\(y).\(n * 4 + 2)")
                    try Self.ip(["link", "add", root, "type", "veth", "peer", "name", "eth\(l)", "netns", name])
                    try Self.ip(["addr", "add", "\(here)/30", "dev", root])
                    try Self.ip(["link", "set", root, "up"])
                    try Self.ip(["-n", name, "addr", "add", "\(there)/30", "dev", "eth\(l)"])
                    try Self.ip(["-n", name, "link", "set", "eth\(l)", "up"])
                    own.append(Link(hostAddress: there, rootAddress: here, rootInterface: root))
                }
                links.append(own)
            }
        } catch {
            for name in hosts { Self.delete(name) }
            throw error
        }
        self.hosts = hosts
        self.links = links
    }

    /// The command that runs a program on `host`: prefix its argv with this.
    public func inside(_ host: Int) -> [String] { ["/usr/sbin/ip", "netns", "exec", hosts[host]] }

    /// Packets on the link are dropped from now on; open connections hang, new ones time out.
    public func cut(_ host: Int, link: Int) throws { try Self.ip(["link", "set", links[host][link].rootInterface, "down"]) }

    public func heal(_ host: Int, link: Int) throws { try Self.ip(["link", "set", links[host][link].rootInterface, "up"]) }

    public func remove() {
        for name in hosts { Self.delete(name) }
    }

    static func delete(_ name: String) {
        guard Self.live.withLock({ $0.remove(name) }) != nil else { return }
        _ = try? ip(["netns", "del", name])
    }

    static func removeAll() {
        for name in live.withLock({ Array($0) }) { delete(name) }
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> Int32 {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ip-\(UUID().uuidString.prefix(8)).out").path
        defer { unlink(output) }
        let status = PostgresServer.spawnAndWait(["/usr/sbin/ip"] + arguments, output: output)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw TestNetworkError(description: "ip \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
        return status
    }
}
