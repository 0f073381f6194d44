import ArgumentParser
import Foundation
import Logging
import Synchronization

/// Exit statuses (docs/using.md).
enum Exit {
    static let configuration = ExitCode(78)
    static let usage = ExitCode(64)
    /// Another tamwatch is writing to the state file (EX_TEMPFAIL: try again later, or --wait).
    static let busy = ExitCode(75)
    /// The state file or stdout failed (EX_IOERR).
    static let ioError = ExitCode(74)
}
