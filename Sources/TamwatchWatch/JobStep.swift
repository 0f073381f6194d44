import Foundation
import TamwatchStore

/// What one turn of a job came to: the job to schedule again, or its end.
enum JobStep: Sendable {
    case next(JobWatch)
    case done(jobId: String, WatchOutcome)
    case failed(jobId: String, StoreError)
}
