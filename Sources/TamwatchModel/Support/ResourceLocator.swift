import Foundation

/// Finds the folders tamwatch ships beside its sources (`config/scenarios`, `templates`) from any
/// working directory: `$TAMWATCH_HOME`, then the folders above the running binary, then the
/// current directory.
public enum ResourceLocator {
    public static func directory(_ relative: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        candidates(relative, environment: environment).first { isDirectory($0) }
    }

    public static func candidates(_ relative: String, environment: [String: String]) -> [String] {
        var out: [String] = []
        if let home = environment["TAMWATCH_HOME"], !home.isEmpty { out.append(join(home, relative)) }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for _ in 0..<5 {
                out.append(join(dir.path, relative))
                dir = dir.deletingLastPathComponent()
            }
        }
        out.append(join(FileManager.default.currentDirectoryPath, relative))
        return out
    }

    private static func join(_ base: String, _ relative: String) -> String {
        URL(fileURLWithPath: base).appendingPathComponent(relative).path
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
