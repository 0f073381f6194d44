import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchSQLite
import TamwatchStore

/// `--wait`, for the commands that write to the state file (`watch`, `replay`).
struct LockOptions: ParsableArguments {
    @Flag(name: .long, help: "If another tamwatch is writing to the same state file, wait for it to finish instead of exiting with 75.")
    var wait = false

    /// The state file's writer lock; exit 75 naming the holder when another process has it.
    func acquire(_ statePath: String, command: String) async throws -> StateFileLock {
        do {
            if wait {
                return try await StateFileLock.acquire(statePath: statePath, holder: command) { held in
                    printError("tamwatch: \(statePath) is in use by \(held.holder); waiting for it to finish (Ctrl-C to give up)")
                }
            }
            return try StateFileLock.acquire(statePath: statePath, holder: command)
        } catch let held as StateFileLock.Held {
            printError("tamwatch: \(held)")
            throw Exit.busy
        } catch let error as StoreError {
            printError("tamwatch: \(error)")
            throw ExitCode(error.exitCode)
        }
    }
}
