import TamwatchStore

/// The watcher's scheduling, without I/O: which jobs are known, which are being stopped, how many
/// polls run, which jobs wait (each in a slot, ordered by when it is next due) and what to start
/// next. Pure: the scheduler loop tells it what happened (`take`, `finished`) and starts what it
/// says (`next`); the watches that ended come out of `takeEnded`.
struct WatchSchedule {
    enum Start {
        /// A new watch's first look.
        case begin(WatchRequest)
        /// A waiting job's next poll.
        case turn(JobWatch)
    }

    let maxConcurrent: Int
    /// Taking watches while it runs (`serve`): never done by itself.
    let open: Bool
    private(set) var running = 0
    private var idle: [JobWatch?] = []
    private var slots: [String: Int] = [:]
    private var freeSlots: [Int] = []
    private var queue = WakeQueue()
    private var starting: [WatchRequest]
    private var startIndex = 0
    private var known: Set<String>
    private var stopping = Set<String>()
    private var ended: [(jobId: String, result: Result<WatchOutcome, StoreError>)] = []

    init(initial: [WatchRequest], maxConcurrent: Int, open: Bool) {
        starting = initial
        known = Set(initial.map(\.jobId))
        self.maxConcurrent = maxConcurrent
        self.open = open
    }

    /// Watches added and stopped since the last look, applied in the order they came: a stop
    /// of a job not watched is ignored, a stop of one not yet started ends it before it starts,
    /// and an add after a stop the loop has not acted on yet cancels the stop.
    mutating func take(_ changes: [WatchControl.Change]) {
        for change in changes {
            switch change {
            case .stop(let id):
                if known.contains(id) { stopping.insert(id) }
            case .add(let request):
                if stopping.remove(request.jobId) != nil { continue }
                if known.insert(request.jobId).inserted { starting.append(request) }
            }
        }
        if startIndex > 1024 && startIndex * 2 > starting.count {
            starting.removeFirst(startIndex)
            startIndex = 0
        }
    }

    /// A poll came back: the job waits for its next one in a slot, or it ended.
    mutating func finished(_ step: JobStep) {
        running -= 1
        switch step {
        case .next(let job):
            if stopping.contains(job.jobId) { return end(job.jobId, .success(.interrupted)) }
            let slot = slots[job.jobId] ?? freeSlots.popLast() ?? idle.count
            if slot == idle.count { idle.append(nil) }
            slots[job.jobId] = slot
            idle[slot] = job
            queue.insert(slot, at: job.wakeAt)
        case .done(let id, let outcome): end(id, .success(outcome))
        case .failed(let id, let error): end(id, .failure(error))
        }
    }

    /// What to start now, within the cap: new watches first, then the waiting jobs due by
    /// `now`; nil when nothing more may start. A job being stopped ends instead of starting.
    mutating func next(dueBy now: Duration) -> Start? {
        while running < maxConcurrent {
            if startIndex < starting.count {
                let request = starting[startIndex]
                startIndex += 1
                if stopping.contains(request.jobId) {
                    end(request.jobId, .success(.interrupted))
                    continue
                }
                running += 1
                return .begin(request)
            }
            guard let slot = queue.popDue(now) else { return nil }
            guard let job = idle[slot] else { continue }
            idle[slot] = nil
            if stopping.contains(job.jobId) {
                end(job.jobId, .success(.interrupted))
                continue
            }
            running += 1
            return .turn(job)
        }
        return nil
    }

    /// The watches that ended since the last call, in order.
    mutating func takeEnded() -> [(jobId: String, result: Result<WatchOutcome, StoreError>)] {
        defer { ended.removeAll() }
        return ended
    }

    var hasEnded: Bool { !ended.isEmpty }

    /// Nothing left to do (a closed schedule whose jobs all ended).
    var isDone: Bool { !open && running == 0 && queue.isEmpty && startIndex >= starting.count }

    /// When the earliest waiting job is due, if a poll may start then.
    var nextDue: Duration? { running < maxConcurrent ? queue.next : nil }

    private mutating func end(_ id: String, _ result: Result<WatchOutcome, StoreError>) {
        known.remove(id)
        stopping.remove(id)
        if let slot = slots.removeValue(forKey: id) { freeSlots.append(slot) }
        ended.append((id, result))
    }
}
