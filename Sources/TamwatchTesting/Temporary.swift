import Foundation

/// Every folder the tests make lives under one root per test process, removed when the process
/// exits: a run leaves no temporary folder behind.
private let temporaryRoot: URL = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit {
        try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("tamwatch-tests-\(getpid())"))
    }
    return root
}()

/// A new empty folder under the tests' root.
public func temporaryDirectory() -> URL {
    let dir = temporaryRoot.appendingPathComponent(UUID().uuidString)
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A path named `name` in a new empty folder.
public func temporaryPath(_ name: String) -> String {
    temporaryDirectory().appendingPathComponent(name).path
}
