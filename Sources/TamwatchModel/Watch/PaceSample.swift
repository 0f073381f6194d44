import Foundation

/// `processed` at a moment it changed: the last few make a build's pace.
public struct PaceSample: Sendable, Equatable, Codable {
    public var at: Date
    public var processed: Int

    public init(at: Date, processed: Int) {
        self.at = at
        self.processed = processed
    }

    /// How many samples the pace is taken over.
    public static let kept = 5

    /// Companies per minute from the oldest to the newest sample; nil without two samples
    /// apart in time.
    public static func ratePerMinute(_ samples: [PaceSample]) -> Int? {
        guard let first = samples.first, let last = samples.last else { return nil }
        let minutes = last.at.timeIntervalSince(first.at) / 60
        guard minutes > 0 else { return nil }
        return Int((Double(last.processed - first.processed) / minutes).rounded())
    }
}
