import Foundation
import Synchronization

/// A throwaway PostgreSQL server for the tests: Debian's binaries (`scripts/ensure-deps`
/// installs them), a cluster made with `initdb` in the tests' temporary folder, listening on a
/// free loopback port, started once per test process and stopped (and its folder removed) when
/// the process exits. Each test takes a database of its own.
public final class PostgresServer: Sendable {
    public let port: Int
    let folder: URL
    let bin: String
    /// `pg_ctl start`'s options, for starting it again after a stop.
    let options: String

    private static let started = Mutex<Result<PostgresServer, PostgresServerError>?>(nil)

    /// The test process's server, started on first use.
    public static func shared() throws(PostgresServerError) -> PostgresServer {
        let result = started.withLock { current -> Result<PostgresServer, PostgresServerError> in
            if let current { return current }
            let made: Result<PostgresServer, PostgresServerError>
            do throws(PostgresServerError) { made = .success(try PostgresServer()) } catch { made = .failure(error) }
            current = made
            return made
        }
        return try result.get()
    }

    /// A new empty database on the shared server: its URL (no TLS on loopback).
    public static func database() throws(PostgresServerError) -> String {
        try shared().database()
    }

    /// A server of the caller's own (to stop and start again); `remove()` when done (at exit
    /// it is stopped in any case).
    public static func dedicated() throws(PostgresServerError) -> PostgresServer { try PostgresServer() }

    /// A new empty database on this server: its URL.
    public func database() throws(PostgresServerError) -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try run(bin + "/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "tamwatch", "-d", "postgres", "-qc", "CREATE DATABASE \(name)"])
        return "postgres://tamwatch@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    /// `pg_ctl stop -m fast` (clients told, sessions ended) or `-m immediate` (as a crash).
    public func stop(immediate: Bool) throws(PostgresServerError) {
        try run(
            bin + "/pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", immediate ? "immediate" : "fast", "-w", "stop"],
            asPostgres: true)
    }

    /// Starts it again on its port, after `stop`.
    public func start() throws(PostgresServerError) {
        try run(
            bin + "/pg_ctl",
            [
                "-D", folder.appendingPathComponent("data").path, "-l", folder.appendingPathComponent("log").path, "-w", "-t", "30", "-o",
                options, "start",
            ],
            asPostgres: true)
    }

    /// Stops it and removes its folder.
    public func remove() {
        _ = try? stop(immediate: true)
        postgresStopCommands.withLock { $0[folder.path] = nil }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs SQL with psql on a database of the shared server; its rows, one per line, columns
    /// separated by `|`.
    public static func query(_ url: String, _ sql: String) throws(PostgresServerError) -> [String] {
        let server = try shared()
        return try server.run(server.bin + "/psql", [url, "-qAtc", sql]).split(separator: "\n").map(String.init)
    }

    private init() throws(PostgresServerError) {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).sorted().last else {
            throw PostgresServerError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin): run scripts/ensure-deps")
        }
        bin = "/usr/lib/postgresql/\(version)/bin"
        // Short: the server's Unix socket path (this folder and .s.PGSQL.PORT) must fit in 107 bytes.
        folder = temporaryDirectory().appendingPathComponent("postgres")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw PostgresServerError("cannot create \(folder.path): \(error)")
        }
        // initdb refuses to run as root: the cluster belongs to the postgres user then, who must
        // be able to reach its folder.
        if getuid() == 0 {
            var dir = folder
            while dir.path != "/" && dir.path != "/tmp" {
                chmod(dir.path, 0o711)
                dir = dir.deletingLastPathComponent()
            }
            chmod(folder.path, 0o700)
            try Self.run("/bin/chown", ["postgres:postgres", folder.path], in: folder)
        }
        let data = folder.appendingPathComponent("data").path
        try Self.run(
            bin + "/initdb", ["-D", data, "-U", "tamwatch", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], asPostgres: true,
            in: folder)
        // A free port can be taken by another test's server between looking and binding: then
        // the server stops at once, and starts again on another.
        var attempt = 0
        var chosen = 0
        var options = ""
        while true {
            attempt += 1
            chosen = Self.freePort()
            options =
                "-c listen_addresses=127.0.0.1 -p \(chosen) -c unix_socket_directories='\(folder.path)' -c fsync=off "
                + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
            let log = folder.appendingPathComponent("log").path
            do {
                try Self.run(
                    bin + "/pg_ctl", ["-D", data, "-l", log, "-w", "-t", "30", "-o", options, "start"], asPostgres: true, in: folder)
                break
            } catch {
                let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5)
                guard attempt < 3 else {
                    throw PostgresServerError("\(error.description); the server's log ends: \(tail.joined(separator: " | "))")
                }
            }
        }
        port = chosen
        self.options = options
        let stop =
            (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [bin + "/pg_ctl", "-D", data, "-m", "immediate", "stop"]
        let first = postgresStopCommands.withLock { commands in
            defer { commands[folder.path] = stop }
            return commands.isEmpty
        }
        // Registered after the tests' temporary root: it runs first, before the folder goes.
        if first { atexit { stopPostgres() } }
    }

    /// Runs a program to its end (as the postgres user when the tests run as root: initdb refuses
    /// root); returns its output, which is shown in the error when it fails.
    @discardableResult
    func run(_ program: String, _ arguments: [String], asPostgres: Bool = false) throws(PostgresServerError) -> String {
        try Self.run(program, arguments, asPostgres: asPostgres, in: folder)
    }

    @discardableResult
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = false, in folder: URL) throws(PostgresServerError)
        -> String
    {
        let asOther = asPostgres && getuid() == 0
        let argv = (asOther ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [program] + arguments
        let output = folder.deletingLastPathComponent().appendingPathComponent("postgres-\(UUID().uuidString.prefix(8)).out").path
        defer { unlink(output) }
        let status = spawnAndWait(argv, output: output)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw PostgresServerError("\((program as NSString).lastPathComponent) exited \(status): \(text)") }
        return text
    }

    /// posix_spawn and waitpid: no run loop, no signal handling to depend on (the tests' threads
    /// block signals), so this works at exit too. Output goes to `output`.
    static func spawnAndWait(_ argv: [String], output: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = spawnAttributes(newProcessGroup: false)
        defer { posix_spawnattr_destroy(&attributes) }
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, &attributes, args, environ) == 0 else { return 127 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// How to stop each of the tests' servers when the process exits, by folder.
private let postgresStopCommands = Mutex<[String: [String]]>([:])

private func stopPostgres() {
    // Stopped at once: there is nothing to keep.
    for command in postgresStopCommands.withLock({ Array($0.values) }) {
        _ = PostgresServer.spawnAndWait(command, output: "/dev/null")
    }
}
