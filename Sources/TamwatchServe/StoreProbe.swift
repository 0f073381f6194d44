import Synchronization
import TamwatchModel

/// `/-/ready`'s question to the state store ("can you take writes?"), with a deadline: a
/// database that does not answer (stopped, or its packets dropped) must make the probe say
/// not ready, not hang it. One check at a time: probes that come while one is in flight wait
/// for that one (or for their own deadline), so a slow database does not pile checks up.
final class StoreProbe: Sendable {
    private let check: @Sendable () async -> String?
    private let inFlight = Mutex<Task<String?, Never>?>(nil)

    /// `check`: nil when the store can take writes, else why not.
    init(_ check: @escaping @Sendable () async -> String?) { self.check = check }

    /// Why the store is not ready, or nil; "did not answer" past `deadline`.
    func reason(within deadline: Duration, clock: any WatchClock) async -> String? {
        let task = inFlight.withLock { current -> Task<String?, Never> in
            if let current { return current }
            let made = Task { [check] in await check() }
            current = made
            return made
        }
        let answer = await withCheckedContinuation { (done: CheckedContinuation<String?, Never>) in
            let once = Once()
            let timer = Task {
                try? await clock.sleep(for: deadline)
                if once.first() { done.resume(returning: "the state store did not answer within \(DurationText.format(deadline))") }
            }
            Task {
                let value = await task.value
                self.inFlight.withLock { if $0 == task { $0 = nil } }
                if once.first() {
                    timer.cancel()
                    done.resume(returning: value)
                }
            }
        }
        return answer
    }
}

/// True the first time only: whichever of two racers comes first answers.
private final class Once: Sendable {
    private let taken = Mutex(false)

    func first() -> Bool {
        taken.withLock { t in
            defer { t = true }
            return !t
        }
    }
}
