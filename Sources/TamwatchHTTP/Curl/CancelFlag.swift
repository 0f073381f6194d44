import CCurl
import CCurlShims
import Foundation
import Synchronization

/// Set when the caller's task is cancelled; read by the loop thread.
final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func cancel() { value.store(true, ordering: .sequentiallyConsistent) }
    var isCancelled: Bool { value.load(ordering: .sequentiallyConsistent) }
}
