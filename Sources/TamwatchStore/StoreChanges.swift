/// A store shared by several processes that tells each of the others' changes as they commit.
public protocol StoreChanges: Sendable {
    /// Calls `onChange` for every change another process (or this one) commits, until the task
    /// is cancelled. A connection lost is made again; every kind of change is then reported
    /// once, for whatever was missed meanwhile. `onState` hears of the connection going down
    /// (false, with why) and up again (true).
    func listen(
        onChange: @escaping @Sendable (StoreChange) -> Void, onState: @escaping @Sendable (Bool, String?) -> Void
    ) async
}
