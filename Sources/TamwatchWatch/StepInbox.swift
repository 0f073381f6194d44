import Synchronization

/// Where the watcher's child tasks leave what each turn came to, for the scheduler to take.
final class StepInbox: Sendable {
    private let steps = Mutex<[JobStep]>([])

    func put(_ step: JobStep) { steps.withLock { $0.append(step) } }

    func take() -> [JobStep] {
        steps.withLock { s in
            defer { s.removeAll(keepingCapacity: true) }
            return s
        }
    }
}
