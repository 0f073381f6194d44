import Foundation

/// Files that hold job ids and company lists: readable by their owner only (0600, folders
/// 0700), created without following a link someone planted at the name, and replaced whole.
public enum PrivateFile {
    /// Writes `data` to a new temporary file beside `path` (`mkstemp`: created exclusively, mode
    /// 0600, never through a link), then renames it over `path`.
    public static func replace(_ path: String, with data: Data) throws {
        var template = Array((path + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw error(path) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        ok = close(fd) == 0 && ok
        guard ok, rename(temporary, path) == 0 else {
            let failure = error(path)
            unlink(temporary)
            throw failure
        }
    }

    /// Creates `path` anew with `data` (mode 0600): an existing file or link at the name is
    /// removed first (a link itself, never what it points to), and the new file is created
    /// exclusively. Returns a handle open for reading and writing.
    public static func create(_ path: String, with data: Data) throws -> FileHandle {
        if unlink(path) != 0 && errno != ENOENT { throw error(path) }
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error(path) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: data)
        return handle
    }

    /// Opens an existing regular file for reading and writing, refusing a link; nil when it is
    /// not there.
    public static func openExisting(_ path: String) throws -> FileHandle? {
        let fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw error(path)
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Creates a folder and its parents, each new one 0700.
    public static func makeFolder(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// What `tamwatch` runs under: new files 0600 and folders 0700 (the state file, its WAL and
    /// lock, exported lists), unless `TAMWATCH_UMASK` (octal, like 027) says otherwise.
    public static func restrictCreationMode(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let mask = environment["TAMWATCH_UMASK"].flatMap { mode_t($0, radix: 8) }.map { $0 & 0o777 } ?? 0o077
        umask(mask)
    }

    private static func error(_ path: String) -> NSError {
        let code = errno
        let reason = code == ELOOP ? "is a symbolic link; refusing to write through it" : String(cString: strerror(code))
        return NSError(domain: NSPOSIXErrorDomain, code: Int(code), userInfo: [NSLocalizedDescriptionKey: "\(path): \(reason)"])
    }
}
