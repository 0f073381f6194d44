import Foundation

/// The watches `tamwatch serve` follows. They outlive the process: on start it resumes every
/// active one.
public protocol WatchRegistry: Sendable {
    /// Watches a job, or returns its existing watch (`created` false); a stopped watch is made
    /// active again, with these labels added to its own. `query` is the build's, when this
    /// service submitted it.
    func register(
        jobId: String, labels: [String: String], maxCredits: Int?, guardAction: String?, query: String?, at now: Date
    ) async throws(StoreError) -> (watch: WatchRecord, created: Bool)

    /// Stops following a job (its history stays); nil when it was never watched.
    func stopWatch(jobId: String, at now: Date) async throws(StoreError) -> WatchRecord?

    /// Removes a watch (stopping it); false when there was none. The job's events stay.
    func forgetWatch(jobId: String) async throws(StoreError) -> Bool

    /// The job ended, or cannot be watched (`error`): the watch is no longer active.
    func finishWatch(jobId: String, error: String?, at now: Date) async throws(StoreError)

    func watch(_ jobId: String) async throws(StoreError) -> WatchRecord?

    func watches(_ query: WatchQuery) async throws(StoreError) -> [WatchRecord]

    /// How many watches are active (`serve.max_watches` bounds it).
    func activeWatchCount() async throws(StoreError) -> Int

    /// Throws when the store cannot take a write now (the service's readiness check).
    func checkWritable() async throws(StoreError)
}

extension WatchRegistry {
    /// Watches a build this service did not submit.
    public func register(
        jobId: String, labels: [String: String], maxCredits: Int?, guardAction: String?, at now: Date
    ) async throws(StoreError) -> (watch: WatchRecord, created: Bool) {
        try await register(jobId: jobId, labels: labels, maxCredits: maxCredits, guardAction: guardAction, query: nil, at: now)
    }
}
