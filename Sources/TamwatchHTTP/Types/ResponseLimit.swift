import Foundation

/// How much of a response body a transfer reads into memory; nothing past it is buffered.
public enum ResponseLimit: Sendable, Equatable {
    /// Past this many bytes the transfer fails with `.responseTooLarge` (an API answer cut
    /// short is no answer).
    case fail(atBytes: Int)
    /// The first bytes are kept and the rest discarded as it arrives (a receiver's answer is
    /// read for a log excerpt only).
    case keep(firstBytes: Int)

    /// 32 MiB: a poll page is about 40 KB.
    public static let apiDefault = 32 << 20
    /// 64 KiB of a delivery's answer.
    public static let answerDefault = 64 << 10

    public var bytes: Int {
        switch self {
        case .fail(let n), .keep(let n): return n
        }
    }
}
