import Foundation
import Synchronization
import TamwatchModel
import TamwatchStore

/// What the service knows of each watch between store reads: the last seen status and when it
/// was last polled. Counts for `/metrics` come from here, not from a query per scrape.
final class WatchBoard: Sendable {
    struct Entry: Sendable {
        var status: String
        var lastPolledAt: Date?
        var credits: Double?
    }

    private let entries = Mutex<[String: Entry]>([:])

    func load(_ records: [WatchRecord]) {
        entries.withLock { e in
            for r in records {
                e[r.jobId] = Entry(status: r.status, credits: r.state?.snapshot?.manifest?.creditsConsumed)
            }
        }
    }

    /// A new watch counts from its registration, before its first poll.
    func registered(_ record: WatchRecord) {
        entries.withLock { e in
            if e[record.jobId] == nil { e[record.jobId] = Entry(status: record.status) }
        }
    }

    /// A poll's snapshot; returns how many more credits the build consumed since the last one.
    func observed(_ snapshot: JobSnapshot, at now: Date) -> Double {
        entries.withLock { e in
            var entry = e[snapshot.jobId] ?? Entry(status: snapshot.status.rawValue)
            entry.status = snapshot.status.rawValue
            entry.lastPolledAt = now
            var delta = 0.0
            if let credits = snapshot.manifest?.creditsConsumed {
                delta = max(0, credits - (entry.credits ?? 0))
                entry.credits = credits
            }
            e[snapshot.jobId] = entry
            return delta
        }
    }

    func forget(_ jobId: String) { _ = entries.withLock { $0.removeValue(forKey: jobId) } }

    func lastPolledAt(_ jobId: String) -> Date? { entries.withLock { $0[jobId]?.lastPolledAt } }

    /// Whether a watched build has not ended yet.
    var anyRunning: Bool {
        entries.withLock { e in e.values.contains { !JobStatus(rawValue: $0.status).isTerminal } }
    }

    /// Watches by their build's status.
    func counts() -> [String: Int] {
        entries.withLock { e in
            var counts: [String: Int] = [:]
            for entry in e.values { counts[entry.status, default: 0] += 1 }
            return counts
        }
    }
}
