import Foundation
import TamwatchModel
import TamwatchStore

/// One writer per state file: a command that writes (`watch`, `replay`) holds an exclusive lock
/// on `<state file>.lock` for as long as it runs. A second one is told who holds it; `deliveries`
/// and `check` only read and need no lock. The kernel releases the lock when its holder exits,
/// however it exits (kill -9 included), so a stale lock cannot happen.
public final class StateFileLock: Sendable {
    public let path: String
    private let fd: Int32

    /// Who holds the lock, as its holder wrote it: `pid 1234: tamwatch watch (since …)`.
    public struct Held: Error, Sendable, CustomStringConvertible {
        public var statePath: String
        public var holder: String
        public var description: String {
            "state file \(statePath) is in use by \(holder); one tamwatch writes to a state file at a time. "
                + "Wait for it to finish, run with --wait, or give this run its own --state"
        }
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Takes the lock now, or throws `Held` naming the holder.
    public static func acquire(statePath: String, holder: String) throws -> StateFileLock {
        let path = statePath + ".lock"
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try PrivateFile.makeFolder(folder)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw StoreError(path: statePath, message: "cannot open its lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            let current = readHolder(fd)
            close(fd)
            if error == EWOULDBLOCK { throw Held(statePath: statePath, holder: current ?? "another tamwatch process") }
            throw StoreError(path: statePath, message: "cannot lock \(path): \(String(cString: strerror(error)))")
        }
        let text = "pid \(getpid()): \(holder) (since \(Timestamp.format(Date())))\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return StateFileLock(path: path, fd: fd)
    }

    /// Takes the lock, waiting while another process holds it; `waiting` is called once with
    /// the holder. Cancelling the task stops the wait.
    public static func acquire(statePath: String, holder: String, waiting: (Held) -> Void) async throws -> StateFileLock {
        var told = false
        while true {
            do {
                return try acquire(statePath: statePath, holder: holder)
            } catch let held as Held {
                if !told { waiting(held); told = true }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private static func readHolder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : TerminalText.safe(text)
    }
}
