import Foundation
import TamwatchTesting

/// What every replica test runs beside its `serve` processes: the simulator and a verifying
/// webhook receiver, both stopped by `stop()` (or at once, when the second fails to start).
struct ReplicaWorld {
    let sim: SimulatorProcess
    let receiver: PythonReceiver

    /// `step`: the simulator's step per poll; `plan`: the receiver's answers.
    static func start(step: String = "5s", plan: String = "") async throws -> ReplicaWorld {
        let sim = try await SimulatorProcess.start(step: step)
        do {
            let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: temporaryDirectory(), plan: plan)
            return ReplicaWorld(sim: sim, receiver: receiver)
        } catch {
            sim.child.stop()
            throw error
        }
    }

    func stop() {
        sim.child.stop()
        receiver.child.stop()
    }
}
