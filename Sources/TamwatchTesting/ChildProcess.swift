import Dispatch
import Foundation
import Synchronization

/// A real process (`tamwatch`, a Python server, a shell), its stdout lines and stderr collected
/// as they arrive.
///
/// Spawned with posix_spawn, an empty signal mask and default signal dispositions (the test's
/// concurrency threads block signals, and a child inherits that mask), in a process group of its
/// own, so SIGTERM to the group ends it and anything it started. Its exit is awaited: `stop()`
/// returns once the process is gone.
public final class ChildProcess: Sendable {
    public let pid: Int32
    private let state = Mutex(State())
    /// Signalled on every line, every bit of stderr and the exit: several processes may share
    /// one, for a test that waits on all of them (`eventually`).
    public let changes: Changes
    private let exited = DispatchSemaphore(value: 0)

    private struct State {
        var lines: [String] = []
        var partial = ""
        var errText = ""
        var openPipes = 2
        var status: Int32?
        var finished: Bool { status != nil && openPipes == 0 }
    }

    /// The `tamwatch` binary next to the test bundle (or `$TAMWATCH_BIN`).
    public static var binary: String {
        if let bin = ProcessInfo.processInfo.environment["TAMWATCH_BIN"] { return bin }
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("tamwatch").path
    }

    public init(
        _ arguments: [String], environment: [String: String] = [:], executable: String = ChildProcess.binary,
        directory: URL? = nil, changes: Changes = Changes()
    ) throws {
        self.changes = changes
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OPENFUNNEL_API_KEY")
        env.removeValue(forKey: "TAMWATCH_CONFIG")
        env.merge(environment) { _, new in new }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else { throw ChildError.spawn("pipe: \(String(cString: strerror(errno)))") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        for fd in [out[0], out[1], err[0], err[1]] { posix_spawn_file_actions_addclose(&actions, fd) }

        var attributes = spawnAttributes(newProcessGroup: true)
        defer { posix_spawnattr_destroy(&attributes) }

        // A working directory other than the test's: through a shell's cd, then exec.
        var program = executable
        var args = [executable] + arguments
        if let directory {
            program = "/bin/sh"
            args = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, executable] + arguments
        }
        let argv = args.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, program, &actions, &attributes, argv, envp)
        close(out[1])
        close(err[1])
        guard spawned == 0 else {
            close(out[0])
            close(err[0])
            throw ChildError.spawn("\(executable): \(String(cString: strerror(spawned)))")
        }
        pid = child
        LiveChildren.add(child)
        defer { ChildScope.current?.add(self) }
        let (stdoutFD, stderrFD, spawnedPID) = (out[0], err[0], child)
        Thread { [self] in self.read(stdoutFD, isStdout: true) }.start()
        Thread { [self] in self.read(stderrFD, isStdout: false) }.start()
        Thread { [self] in
            var status: Int32 = 0
            while waitpid(spawnedPID, &status, 0) < 0, errno == EINTR {}
            let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            self.update { $0.status = code }
            LiveChildren.remove(spawnedPID)
            self.exited.signal()
        }.start()
    }

    private func read(_ fd: Int32, isStdout: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            update { s in
                if isStdout {
                    s.partial += text
                    while let nl = s.partial.firstIndex(of: "\n") {
                        s.lines.append(String(s.partial[..<nl]))
                        s.partial = String(s.partial[s.partial.index(after: nl)...])
                    }
                } else {
                    s.errText += text
                }
            }
        }
        close(fd)
        update { s in
            if isStdout, !s.partial.isEmpty { s.lines.append(s.partial); s.partial = "" }
            s.openPipes -= 1
        }
    }

    /// Changes the state, then wakes whoever waits on `changes`.
    private func update(_ change: (inout State) -> Void) {
        state.withLock { change(&$0) }
        changes.signal()
    }

    public var stdoutLines: [String] { state.withLock { $0.lines } }
    public var stderr: String { state.withLock { $0.errText } }
    private var finished: Bool { state.withLock { $0.finished } }

    /// Suspends until `condition` holds (looked at on every change: a line, stderr text, the
    /// exit), or the timeout passes; returns whether it holds.
    private func wait(timeout: Duration, _ condition: @escaping @Sendable (State) -> Bool) async -> Bool {
        (try? await eventually("", on: changes, timeout: timeout) { state.withLock { condition($0) } }) != nil
    }

    /// Waits until a condition on stdout holds (or the process has ended and its output is read).
    public func waitFor(timeout: Duration = .seconds(60), _ condition: @escaping @Sendable ([String]) -> Bool) async throws {
        guard await wait(timeout: timeout, { condition($0.lines) || $0.finished }) else { throw ChildError.timeout(stderr) }
    }

    /// Waits until a condition on stderr holds.
    public func waitForStderr(timeout: Duration = .seconds(60), _ condition: @escaping @Sendable (String) -> Bool) async throws {
        guard await wait(timeout: timeout, { condition($0.errText) || $0.finished }), condition(stderr) else {
            throw ChildError.timeout(stderr)
        }
    }

    /// Waits for the process to exit and all it wrote to be read; kills it past the timeout.
    public func exitCode(timeout: Duration = .seconds(120)) async throws -> Int32 {
        guard await wait(timeout: timeout, { $0.finished }) else {
            await stop()
            throw ChildError.timeout(stderr)
        }
        return state.withLock { $0.status ?? -1 }
    }

    /// Kills the process with SIGKILL and waits until all it wrote has been read.
    public func sigkill() async throws {
        kill(pid, SIGKILL)
        _ = try await exitCode()
    }

    /// SIGTERM to its process group, then SIGKILL if it is still there after two seconds. For
    /// `defer`, which cannot await: it returns at once, and a thread of its own (not one of the
    /// concurrency pool's) sees the process out. Whatever is still running when the test
    /// process exits is killed then.
    public func stop() {
        guard !hasExited else {
            kill(-pid, SIGKILL)  // whatever it started in its group goes with it
            return
        }
        kill(-pid, SIGTERM)
        let (pid, exited) = (self.pid, self.exited)
        Thread {
            if exited.wait(timeout: .now() + 2) == .timedOut {
                kill(-pid, SIGKILL)
                _ = exited.wait(timeout: .now() + 10)
            }
            exited.signal()  // leave it signalled for anyone else who waits
            kill(-pid, SIGKILL)
        }.start()
    }

    /// As `stop()`, and returns once the process has exited and its output is read (suspending,
    /// not blocking a thread): for a test that looks at what it left.
    public func stop() async {
        guard !hasExited else {
            kill(-pid, SIGKILL)
            return
        }
        kill(-pid, SIGTERM)
        if await !wait(timeout: .seconds(2), { $0.finished }) {
            kill(-pid, SIGKILL)
            _ = await wait(timeout: .seconds(10), { $0.finished })
        }
        kill(-pid, SIGKILL)
    }

    private var hasExited: Bool { state.withLock { $0.status != nil } }
}

/// Every child still running when the test process exits is killed with its group: a test
/// leaves no process behind, even one whose `stop()` had not finished.
enum LiveChildren {
    private static let groups = Mutex<Set<Int32>>([])
    private static let installed = Atomic<Bool>(false)

    static func add(_ pid: Int32) {
        groups.withLock { _ = $0.insert(pid) }
        if !installed.exchange(true, ordering: .relaxed) { atexit { LiveChildren.killAll() } }
    }

    static func remove(_ pid: Int32) { groups.withLock { _ = $0.remove(pid) } }

    static func killAll() {
        for pid in groups.withLock({ $0 }) { kill(-pid, SIGKILL) }
    }
}
