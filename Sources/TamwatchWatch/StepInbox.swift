import Synchronization

/// Where the watcher's child tasks leave what each turn came to, for the scheduler to take.
///
/// The scheduler says until when it sleeps (`arm`); a finished turn wakes it only when it must
/// be looked at sooner: the scheduler sleeps with no deadline (it waits for turns to finish),
/// or the job is due again before the deadline. At a thousand polls a second the scheduler then
/// wakes when jobs fall due, not once more for every poll that finishes.
final class StepInbox: Sendable {
    private struct State {
        var steps: [JobStep] = []
        /// nil: the scheduler waits for turns to finish, with no deadline.
        var armed: Duration?
    }

    private let state = Mutex(State())

    /// Leaves a turn's step; true when the scheduler should be woken for it.
    func put(_ step: JobStep) -> Bool {
        state.withLock { s in
            s.steps.append(step)
            guard let armed = s.armed else { return true }
            if case .next(let job) = step { return job.wakeAt < armed }
            return false
        }
    }

    func take() -> [JobStep] {
        state.withLock { s in
            defer { s.steps.removeAll(keepingCapacity: true) }
            return s.steps
        }
    }

    /// The scheduler is about to sleep until `deadline` (nil: until woken); false when steps
    /// already left would have woken it, so it should look at them first.
    func arm(_ deadline: Duration?) -> Bool {
        state.withLock { s in
            s.armed = deadline
            guard let deadline else { return s.steps.isEmpty }
            return !s.steps.contains { step in
                if case .next(let job) = step { return job.wakeAt < deadline }
                return false
            }
        }
    }
}
