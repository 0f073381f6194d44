import Foundation
import Logging
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchRules
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
    public var settings: WatchSettings
    public var clock: any WatchClock
    public var logger: Logger
    /// A draw in 0...1 for backoff jitter; injectable so tests are repeatable.
    public var jitter: @Sendable () -> Double
    /// Turns events into deliveries, queued in the same transaction as the events.
    public var rules: RuleEngine?
    /// Called after deliveries were queued (wakes the dispatcher).
    public var deliveriesQueued: @Sendable () -> Void = {}
    /// Masks configured secrets in the API's text before it becomes an event.
    public var redactor = Redactor()
    /// At most this many jobs are polled (or committed) at once; the others wait their turn.
    public var maxConcurrentPolls = 256
    /// Jobs due this close together are started together.
    static let coalescing: Duration = .milliseconds(10)

    public init(
        client: OpenFunnelClient, store: any EventLog, sink: any EventSink, settings: WatchSettings,
        clock: any WatchClock = SystemClock(), logger: Logger = Logger(label: "tamwatch"),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.client = client
        self.store = store
        self.sink = sink
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.jitter = jitter
    }

    /// Watches one job to its end.
    public func watch(job jobId: String, labels: [String: String] = [:]) async throws(StoreError) -> WatchOutcome {
        try await watch(jobs: [jobId], labels: labels)[jobId] ?? .interrupted
    }

    /// Watches every job until it is terminal or cannot be watched; returns each job's outcome.
    /// A state store failure of one job does not stop the others; it is thrown at the end.
    /// When the task is cancelled, polls in flight are cut short and every job not yet ended
    /// is `.interrupted`, its state saved.
    public func watch(jobs: [String], labels: [String: String] = [:]) async throws(StoreError) -> [String: WatchOutcome] {
        var seen = Set<String>()
        let ids = jobs.filter { seen.insert($0).inserted }
        let finished = StepInbox()
        let wake = WakeSignal()
        var outcomes: [String: WatchOutcome] = [:]
        var failure: StoreError?

        await withDiscardingTaskGroup { group in
            var idle: [JobWatch?] = []
            var slots: [String: Int] = [:]
            var queue = WakeQueue()
            var starting = ids[...]
            var running = 0

            func settle(_ step: JobStep) {
                switch step {
                case .next(let job):
                    let slot = slots[job.jobId] ?? idle.count
                    if slot == idle.count { idle.append(nil) }
                    slots[job.jobId] = slot
                    idle[slot] = job
                    queue.insert(slot, at: job.wakeAt)
                case .done(let id, let outcome):
                    outcomes[id] = outcome
                case .failed(let id, let error):
                    failure = failure ?? error
                    outcomes[id] = nil
                }
            }

            while !Task.isCancelled {
                for step in finished.take() {
                    running -= 1
                    settle(step)
                }
                // Start what is due, new jobs first, within the cap; jobs due within the next few
                // milliseconds go now too, so that many jobs cost one wake-up, not one each.
                let now = clock.uptime() + Self.coalescing
                while running < maxConcurrentPolls {
                    if let id = starting.popFirst() {
                        running += 1
                        group.addTask {
                            if finished.put(await self.begin(jobId: id, labels: labels)) { wake.signal() }
                        }
                    } else if let slot = queue.popDue(now), let job = idle[slot] {
                        idle[slot] = nil
                        running += 1
                        group.addTask {
                            if finished.put(await self.turn(job)) { wake.signal() }
                        }
                    } else {
                        break
                    }
                }
                if running == 0 && queue.isEmpty && starting.isEmpty { break }
                let nextDue = running < maxConcurrentPolls ? queue.next : nil
                guard finished.arm(nextDue) else { continue }
                await wake.wait(until: nextDue, clock: clock)
            }
            group.cancelAll()
        }
        // Cut short: whatever was in flight or waiting is interrupted, its state saved.
        for step in finished.take() {
            switch step {
            case .failed(_, let error): failure = failure ?? error
            case .done(let id, let outcome): outcomes[id] = outcome
            case .next: break
            }
        }
        if let failure { throw failure }
        for id in ids where outcomes[id] == nil { outcomes[id] = .interrupted }
        return outcomes
    }
}
