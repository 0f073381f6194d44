import Foundation

/// What the differ needs from the config.
public struct DiffSettings: Sendable, Equatable {
    public enum Milestones: Sendable, Equatable {
        case list([Int])
        case every(Int)
    }

    public var milestones: Milestones
    /// Announce `job.stalled` after this long without progress while running; nil: never.
    public var stallAfter: Duration?

    public init(milestones: Milestones = .list([1000, 5000, 10000]), stallAfter: Duration? = .seconds(1800)) {
        if case .list(let values) = milestones {
            self.milestones = .list(Array(Set(values.filter { $0 > 0 })).sorted())
        } else {
            self.milestones = milestones
        }
        self.stallAfter = stallAfter
    }

    /// The milestones in `(low, high]`, at most `limit` of them.
    package func milestones(above low: Int, upTo high: Int, limit: Int = 1000) -> [Int] {
        guard high > low else { return [] }
        switch milestones {
        case .list(let values):
            return Array(values.lazy.filter { $0 > low && $0 <= high }.prefix(limit))
        case .every(let step):
            guard step > 0 else { return [] }
            var out: [Int] = []
            var m = (low / step + 1) * step
            while m <= high, out.count < limit {
                out.append(m)
                m += step
            }
            return out
        }
    }
}
