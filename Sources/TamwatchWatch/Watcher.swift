import Foundation
import Logging
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchStore

/// Polls many jobs at once over one transport, each on its own schedule, and turns what it
/// sees into stored events.
///
/// One scheduler loop keeps every idle job's state in a queue ordered by when it is next due;
/// a job's poll runs as a child task only while it is in flight. An idle watch costs its state
/// and nothing else (no task, no stack), so ten thousand jobs fit in a few megabytes.
public struct Watcher: Sendable {
    public var client: OpenFunnelClient
    public var store: any EventLog
    public var sink: any EventSink
    /// The router and settings, shared by every copy of this watcher (a reload replaces them).
    public let policy: WatchPolicy
    public var settings: WatchSettings {
        get { policy.settings }
        nonmutating set { policy.set(settings: newValue) }
    }
    public var clock: any WatchClock
    public var logger: Logger
    /// A draw in 0...1 for backoff jitter; injectable so tests are repeatable.
    public var jitter: @Sendable () -> Double
    /// Turns events into deliveries, queued in the same transaction as the events.
    public var router: (any EventRouter)? {
        get { policy.router }
        nonmutating set { policy.set(router: newValue) }
    }
    /// Called after deliveries were queued (wakes the dispatcher).
    public var deliveriesQueued: @Sendable () -> Void = {}
    /// Told how every poll went and how long it took (the service's metrics).
    public var onPoll: @Sendable (PollResult, Duration) -> Void = { _, _ in }
    /// Exports a completed build's list (`results:`) and answers `job.results_ready`'s
    /// `results`; nil exports nothing.
    public var exportResults: (@Sendable (_ jobId: String) async -> JSONValue)?
    /// Masks configured secrets in the API's text before it becomes an event.
    public var redactor = Redactor()
    /// At most this many jobs are polled (or committed) at once; the others wait their turn.
    public var maxConcurrentPolls = 256
    /// A hundredth of the poll interval, from 10 ms to 100 ms: polls every 10 s go out in
    /// batches a tenth of a second apart, so that ten thousand watches cost ten wake-ups a
    /// second, not a thousand.
    var coalescing: Duration { min(.milliseconds(100), max(.milliseconds(10), settings.schedule.interval / 100)) }

    public init(
        client: OpenFunnelClient, store: any EventLog, sink: any EventSink, settings: WatchSettings,
        clock: any WatchClock = SystemClock(), logger: Logger = Logger(label: "tamwatch"),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.client = client
        self.store = store
        self.sink = sink
        policy = WatchPolicy(settings: settings)
        self.clock = clock
        self.logger = logger
        self.jitter = jitter
    }

    /// Watches one job to its end.
    public func watch(job jobId: String, labels: [String: String] = [:], budget: CreditBudget? = nil) async throws(StoreError)
        -> WatchOutcome
    {
        try await watch(jobs: [jobId], labels: labels, budget: budget)[jobId] ?? .interrupted
    }

    /// Watches every job until it is terminal or cannot be watched; returns each job's outcome.
    /// A state store failure of one job does not stop the others; it is thrown at the end.
    /// When the task is cancelled, polls in flight are cut short and every job not yet ended
    /// is `.interrupted`, its state saved. `queries` holds the query of each build the caller
    /// submitted itself.
    public func watch(
        jobs: [String], labels: [String: String] = [:], budget: CreditBudget? = nil, queries: [String: String] = [:]
    ) async throws(StoreError) -> [String: WatchOutcome] {
        var seen = Set<String>()
        let ids = jobs.filter { seen.insert($0).inserted }
        let requests = ids.map { WatchRequest(jobId: $0, labels: labels, budget: budget, query: queries[$0]) }
        let (outcomes, failure) = await schedule(initial: requests, control: nil)
        if let failure { throw failure }
        var all = outcomes
        for id in ids where all[id] == nil { all[id] = .interrupted }
        return all
    }

    /// Watches what `control` adds, until the task is cancelled; each watch's end goes to the
    /// control. `resume` are the watches to carry on with at the start.
    public func run(control: WatchControl, resume: [WatchRequest] = []) async {
        _ = await schedule(initial: resume, control: control)
    }

    /// The scheduler: one loop starting due polls as child tasks, within the cap. Without a
    /// control it ends once every job has; with one it runs until cancelled, taking new jobs
    /// and stops as they come.
    private func schedule(
        initial: [WatchRequest], control: WatchControl?
    ) async -> (outcomes: [String: WatchOutcome], failure: StoreError?) {
        let finished = StepInbox()
        let wake = control?.wake ?? WakeSignal()
        var outcomes: [String: WatchOutcome] = [:]
        var failure: StoreError?

        var schedule = WatchSchedule(initial: initial, maxConcurrent: maxConcurrentPolls, open: control != nil)
        func record(_ ended: [(jobId: String, result: Result<WatchOutcome, StoreError>)]) {
            for (id, result) in ended {
                switch result {
                case .success(let outcome): outcomes[id] = outcome
                case .failure(let error):
                    failure = failure ?? error
                    outcomes[id] = nil
                }
            }
        }

        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                if let control { schedule.take(control.take()) }
                for step in finished.take() { schedule.finished(step) }
                let ended = schedule.takeEnded()
                if let control {
                    for (id, result) in ended { await control.ended(id, result) }
                } else {
                    record(ended)
                }
                // Start what is due, new jobs first, within the cap; jobs due within the next few
                // milliseconds go now too, so that many jobs cost one wake-up, not one each.
                let now = clock.uptime() + coalescing
                while let start = schedule.next(dueBy: now) {
                    switch start {
                    case .begin(let request):
                        group.addTask { if finished.put(await self.begin(request)) { wake.signal() } }
                    case .turn(let job):
                        group.addTask { if finished.put(await self.turn(job)) { wake.signal() } }
                    }
                }
                if schedule.hasEnded { continue }
                if schedule.isDone { break }
                let nextDue = schedule.nextDue
                guard finished.arm(nextDue) else { continue }
                await wake.wait(until: nextDue, clock: clock)
            }
            group.cancelAll()
        }
        if control == nil { record(schedule.takeEnded()) }
        // Cut short: whatever was in flight or waiting is interrupted, its state saved.
        for step in finished.take() {
            switch step {
            case .failed(_, let error): failure = failure ?? error
            case .done(let id, let outcome): outcomes[id] = outcome
            case .next: break
            }
        }
        return (outcomes, failure)
    }
}
