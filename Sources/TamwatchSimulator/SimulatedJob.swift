import TamwatchModel

/// One simulated TAM build: a state machine advanced by simulated seconds.
///
/// It follows the documented OpenFunnel API: `pending` → `running`; `bands_done` and `processed` move as
/// each band's sub-processes finish; pause settles to `paused` at the next band boundary,
/// cancel settles to `cancelled` at the next sub-process; the manifest appears once terminal.
struct SimulatedJob: Sendable {
    let id: String
    let query: String
    let scenario: Scenario
    private(set) var status: JobStatus = .pending
    private(set) var bandsDone = 0
    private(set) var stepsDone = 0
    private(set) var processed = 0
    private(set) var degraded = false
    private(set) var errorMessage: String?
    private var phaseElapsed = 0.0
    private var pauseRequested = false
    private var cancelRequested = false
    private var autoPaused = false
    private var autoActionsFired: Set<String> = []
    var polls = 0
    /// How often each page was read by cursor (a scenario's page fault hits the first read).
    var pageReads: [Int: Int] = [:]

    init(id: String, query: String, scenario: Scenario) {
        self.id = id
        self.query = query
        self.scenario = scenario
    }

    // MARK: Time

    mutating func advance(by seconds: Double) {
        var remaining = max(0, seconds)
        while remaining > 0, !status.isTerminal {
            let need: Double
            if status == .paused {
                guard autoPaused, let resumeAfter = scenario.resumeAfter else { return }
                need = resumeAfter.seconds - phaseElapsed
            } else if !started {
                need = scenario.pending.seconds - phaseElapsed
            } else {
                need = max(scenario.stepDuration(band: bandsDone).seconds, 0.001) - phaseElapsed
            }
            if remaining < need {
                phaseElapsed += remaining
                return
            }
            remaining -= max(need, 0)
            phaseElapsed = 0
            if status == .paused {
                resume()
            } else if !started {
                start()
            } else {
                finishStep()
            }
        }
    }

    /// Set once the pending phase is over (a job paused before its first band has started).
    private var started = false

    private mutating func start() {
        started = true
        if cancelRequested { settle(.cancelled); return }
        if pauseRequested { pauseRequested = false; status = .paused; return }
        status = .running
        bandStarted()
    }

    private mutating func bandStarted() {
        let band = bandsDone + 1
        if scenario.degradedAtBand == band { degraded = true }
        if scenario.pauseAtBand == band, autoActionsFired.insert("pause").inserted {
            _ = requestPause()
            autoPaused = true
        }
        if scenario.cancelAtBand == band, autoActionsFired.insert("cancel").inserted { _ = requestCancel() }
    }

    private mutating func finishStep() {
        let band = scenario.bands[bandsDone]
        stepsDone += 1
        let perStep = band.companies / scenario.stepsPerBand
        processed += stepsDone == scenario.stepsPerBand ? band.companies - perStep * (scenario.stepsPerBand - 1) : perStep
        if scenario.failAtBand == bandsDone + 1, stepsDone >= max(1, scenario.stepsPerBand / 2) {
            errorMessage = scenario.errorMessage
            settle(.failed)
            return
        }
        if cancelRequested { settle(.cancelled); return }
        guard stepsDone == scenario.stepsPerBand else { return }
        stepsDone = 0
        bandsDone += 1
        if bandsDone == scenario.bands.count { settle(.completed); return }
        if pauseRequested {
            pauseRequested = false
            status = .paused
            return
        }
        bandStarted()
    }

    private mutating func settle(_ final: JobStatus) {
        status = final
        pauseRequested = false
        cancelRequested = false
    }

    // MARK: Requests

    /// Returns the status to report, or nil when the job is already finished (409).
    mutating func requestCancel() -> JobStatus? {
        guard !status.isTerminal else { return nil }
        cancelRequested = true
        pauseRequested = false
        if status == .paused { settle(.cancelled); return .cancelling }
        status = .cancelling
        return .cancelling
    }

    mutating func requestPause() -> JobStatus? {
        guard !status.isTerminal else { return nil }
        if status == .paused { return .paused }
        if status == .cancelling { return .cancelling }
        pauseRequested = true
        status = .pausing
        return .pausing
    }

    mutating func requestResume() -> JobStatus? {
        guard !status.isTerminal else { return nil }
        if status == .paused { resume() } else if status == .pausing { pauseRequested = false; status = started ? .running : .pending }
        return status
    }

    private mutating func resume() {
        autoPaused = false
        phaseElapsed = 0
        status = .running
        bandStarted()
    }

    // MARK: What a poll shows

    var progressMessage: String {
        switch status {
        case .pending: return "queued"
        case .completed: return "completed"
        case .cancelled: return "cancelled"
        case .failed: return "failed"
        case .paused: return bandsDone > 0 ? "paused after band \(scenario.bands[bandsDone - 1].label)" : "paused before the first band"
        default:
            guard started, bandsDone < scenario.bands.count else { return "queued" }
            let band = scenario.bands[bandsDone]
            if stepsDone == 0 { return "band \(band.label): searching" }
            let inBand = band.companies / scenario.stepsPerBand * stepsDone
            return "band \(band.label): validating \(inBand)"
        }
    }

    var manifest: Manifest? {
        guard status.isTerminal else { return nil }
        return Manifest(
            pages: (processed + 99) / 100, pageSize: 100,
            uniqueCount: status == .failed ? nil : processed,
            partial: status != .completed && processed > 0, degraded: degraded, ranked: true,
            stopReason: status == .cancelled ? "cancelled" : nil, creditsConsumed: Double(processed))
    }

    var snapshot: JobSnapshot {
        JobSnapshot(
            jobId: id, status: status, processed: processed, bandsDone: bandsDone, bandsTotal: scenario.bands.count,
            progressMessage: progressMessage, degraded: degraded, errorMessage: errorMessage, manifest: manifest)
    }
}
