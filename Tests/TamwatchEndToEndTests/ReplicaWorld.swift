import Foundation
import TamwatchHTTP
import TamwatchTesting
import Testing

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
            await sim.child.stop()
            throw error
        }
    }

    /// Submits `count` builds of the normal scenario and registers each through the replicas in
    /// turn (any of them answers for all); returns their job ids.
    func builds(_ count: Int, through servers: [ServeProcess], transport: CurlTransport) async throws -> [String] {
        var jobs: [String] = []
        for i in 0..<count {
            let job = try await sim.submit("normal")
            let answer = try await servers[i % servers.count].call(
                "POST", "/api/v1/watches", body: #"{"job_id": "\#(job)"}"#, transport: transport)
            #expect(answer.status == 201, "\(answer.text)")
            jobs.append(job)
        }
        return jobs
    }

    func stop() {
        sim.child.stop()
        receiver.child.stop()
    }
}
