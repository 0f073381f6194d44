import Foundation
import Synchronization
import Testing

/// A real `tamwatch` process, its stdout lines collected as they arrive.
final class ChildProcess: Sendable {
    private let process: Process
    private let lines = Mutex<[String]>([])
    private let errText = Mutex<String>("")
    private let partial = Mutex<String>("")
    private let closedPipes = Atomic<Int>(0)

    /// The `tamwatch` binary next to the test bundle (or `$TAMWATCH_BIN`).
    static var binary: String {
        if let bin = ProcessInfo.processInfo.environment["TAMWATCH_BIN"] { return bin }
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("tamwatch").path
    }

    init(_ arguments: [String], environment: [String: String] = [:], executable: String = ChildProcess.binary,
         directory: URL? = nil) throws {
        process = Process()
        if let directory { process.currentDirectoryURL = directory }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OPENFUNNEL_API_KEY")
        env.removeValue(forKey: "TAMWATCH_CONFIG")
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                self.partial.withLock { rest in
                    if !rest.isEmpty { self.lines.withLock { $0.append(rest) } }
                    rest = ""
                }
                self.closedPipes.add(1, ordering: .sequentiallyConsistent)
                return
            }
            self.partial.withLock { buffer in
                buffer += String(decoding: data, as: UTF8.self)
                while let nl = buffer.firstIndex(of: "\n") {
                    let line = String(buffer[..<nl])
                    buffer = String(buffer[buffer.index(after: nl)...])
                    self.lines.withLock { $0.append(line) }
                }
            }
        }
        err.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                self.closedPipes.add(1, ordering: .sequentiallyConsistent)
                return
            }
            self.errText.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var stdoutLines: [String] { lines.withLock { $0 } }
    var stderr: String { errText.withLock { $0 } }
    var pid: Int32 { process.processIdentifier }

    /// Waits (polling, this is another process) until a condition on stdout holds.
    func waitFor(timeout: Duration = .seconds(60), _ condition: ([String]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(stdoutLines) {
            guard process.isRunning || condition(stdoutLines) else { break }
            guard ContinuousClock.now < deadline else { throw ChildError.timeout(stderr) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits (polling, this is another process) until a condition on stderr holds.
    func waitForStderr(timeout: Duration = .seconds(60), _ condition: (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(stderr) {
            guard process.isRunning || condition(stderr) else { break }
            guard ContinuousClock.now < deadline else { throw ChildError.timeout(stderr) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for the process to exit and returns its status; kills it past the timeout.
    func exitCode(timeout: Duration = .seconds(120)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                throw ChildError.timeout(stderr)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Everything the process wrote is read once both pipes reach end of file.
        let drained = ContinuousClock.now + .seconds(5)
        while closedPipes.load(ordering: .sequentiallyConsistent) < 2, ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    /// Kills the process with SIGKILL and waits until all it wrote has been read.
    func sigkill() async throws {
        kill(pid, SIGKILL)
        _ = try await exitCode()
    }

    /// SIGTERM, then SIGKILL if the process is still there after two seconds. Returns at once:
    /// it runs in `defer` blocks of async tests, where blocking would starve the other tests' tasks.
    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let process = self.process
        Thread.detachNewThread {
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning, Date() < deadline { usleep(5000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}

enum ChildError: Error, CustomStringConvertible {
    case timeout(String)
    var description: String {
        switch self { case .timeout(let err): return "timed out; stderr:\n\(err)" }
    }
}

/// A `tamwatch simulate` process on a free port that advances each job one step (5 s) per poll.
struct SimulatorProcess {
    let child: ChildProcess
    let url: String
    static let key = "e2e-key"

    static func start(scenario: String = "normal") async throws -> SimulatorProcess {
        let child = try ChildProcess(["simulate", "--port", "0", "--scenario", scenario, "--step-per-poll", "5s", "--api-key", key])
        try await child.waitFor(timeout: .seconds(30)) { $0.contains { $0.hasPrefix("http://") } }
        let url = try #require(child.stdoutLines.first { $0.hasPrefix("http://") })
        return SimulatorProcess(child: child, url: url)
    }

    func submit(_ scenario: String) async throws -> String {
        let c = try ChildProcess(["submit", "cloud observability tools", "--api-url", url, "--scenario", scenario],
                                 environment: ["OPENFUNNEL_API_KEY": Self.key])
        let code = try await c.exitCode()
        guard code == 0, let id = c.stdoutLines.first, !id.isEmpty else { throw ChildError.timeout("submit exited \(code): \(c.stderr)") }
        return id
    }
}

func temporaryDirectory() -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-e2e-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
