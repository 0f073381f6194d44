import Synchronization

/// The processes one test started, to be seen out when it ends: `defer { child.stop() }` cannot
/// await their exit, so the test's scope (the `reapsChildren` trait of the end-to-end suites)
/// does, suspending instead of blocking a thread, before the next test starts.
public final class ChildScope: Sendable {
    @TaskLocal public static var current: ChildScope?

    private let children = Mutex<[ChildProcess]>([])

    public init() {}

    func add(_ child: ChildProcess) { children.withLock { $0.append(child) } }

    /// Every process started in this scope stopped (SIGTERM, SIGKILL two seconds later) and
    /// awaited, with its process group.
    public func reap() async {
        for child in children.withLock({ $0 }) { await child.stop() }
    }
}
