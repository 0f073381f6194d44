import Foundation

/// stdout and stderr through write(2), so a closed pipe (`tamwatch … | head -1`) is an answer,
/// EPIPE, not a crash. SIGPIPE must be ignored (`ignoreBrokenPipes()`), as libcurl requires too.
public enum StandardStream {
    case output, error

    var fd: Int32 { self == .output ? STDOUT_FILENO : STDERR_FILENO }

    /// Writes all of `text`; false when the stream is closed (or another error stops it).
    @discardableResult
    public func write(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return true }
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, base + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// A process-wide SIG_IGN for SIGPIPE: a write to a closed pipe or socket then fails with
    /// EPIPE where it happens instead of killing the process.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}
