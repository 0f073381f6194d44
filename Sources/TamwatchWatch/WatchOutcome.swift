import TamwatchModel

/// How the watch of one job ended.
public enum WatchOutcome: Sendable, Equatable {
    case completed
    case failed
    case cancelled
    /// The job could not be watched: unauthorized, not found, or unreachable past the budget.
    case unwatchable(kind: String)
    /// Stopped by the user (Ctrl-C) before the job ended; state is saved.
    case interrupted

    public init(terminal status: JobStatus) {
        switch status {
        case .completed: self = .completed
        case .cancelled: self = .cancelled
        default: self = .failed
        }
    }

    /// The exit status of `tamwatch watch` for this outcome (docs/using.md).
    public var exitCode: Int32 {
        switch self {
        case .completed: return 0
        case .failed: return 1
        case .cancelled: return 2
        case .unwatchable: return 3
        case .interrupted: return 130
        }
    }

    /// With several jobs the worst wins: interrupted > 3 > 1 > 2 > 0.
    public static func worst(_ outcomes: [WatchOutcome]) -> WatchOutcome {
        func rank(_ o: WatchOutcome) -> Int {
            switch o {
            case .completed: return 0
            case .cancelled: return 1
            case .failed: return 2
            case .unwatchable: return 3
            case .interrupted: return 4
            }
        }
        return outcomes.max { rank($0) < rank($1) } ?? .completed
    }
}
