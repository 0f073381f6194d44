import Synchronization

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
