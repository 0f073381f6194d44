import Foundation

/// Who claims deliveries: one dispatcher (an id of its own, not a pid) and for how long a
/// claim holds unless renewed. Any process may take back a claim whose lease ran out.
public struct ClaimLease: Sendable, Equatable {
    public var owner: String
    public var duration: TimeInterval

    public init(owner: String, duration: TimeInterval) {
        self.owner = owner
        self.duration = duration
    }
}
