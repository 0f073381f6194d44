import Foundation
import Testing

@testable import TamwatchApp
@testable import TamwatchConfig
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchOpenFunnel
@testable import TamwatchSQLite
@testable import TamwatchSimulator
@testable import TamwatchTesting

/// The application as `watch` and `demo` run it, assembled from a configuration file and run
/// in this process: the simulator over loopback HTTP, a webhook receiver, a state file.
@Suite("The application, assembled in-process", .timeLimit(.minutes(5)))
struct AssemblyTests {
    @Test("watch: a build to its end, every event routed, sent once and drained; nothing left pending")
    func watchToTheEnd() async throws {
        let catalog = try ScenarioCatalog.bundled()
        let engine = SimulatorEngine(
            apiKey: "k", scenario: try #require(catalog["normal"]), scenarios: catalog, pace: .perPoll(.seconds(5)))
        try await with(try await SimulatorServer(engine: engine).start()) { sim async throws in
            let receiver = try RawHTTPServer(RawHTTPServer.status(204))
            defer { receiver.close() }
            let file = temporaryPath("tamwatch.yaml")
            try """
            api: { key: k, base_url: "\(sim.baseURL)", poll_interval: 50ms }
            state: { path: "\(temporaryPath("state.sqlite"))" }
            channels:
              hook: { type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }
            rules:
              - { name: everything, on: ["*"], to: [hook] }
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let config = try ConfigLoader(environment: [:]).load(path: file)
            let store = try SQLiteStore(path: config.statePath)
            let transport = CurlTransport()
            defer { transport.shutdown() }
            let client = OpenFunnelClient(baseURL: config.api.baseURL, apiKey: "k", transport: transport)
            let sink = CollectingSink()
            let app = try Assembly.make(config: config, store: store, transport: transport, client: client, sink: sink)
            let job = try await client.submit(query: "cloud observability tools").jobId

            let dispatching = DispatcherService(app.dispatcher)
            let run = try #require(
                await CommandLifecycle.run(services: [dispatching]) {
                    await app.watch(jobs: [job], labels: ["owner": "ana"], budget: nil, drainTimeout: .seconds(20))
                })
            #expect(run.outcomes[job] == .completed && run.error == nil && !run.interrupted)
            #expect(run.leftover?.count == 0, "every delivery settled before the drain ended")
            #expect(dispatching.failure == nil)
            let events = await sink.events
            #expect(events.count >= 8 && events.last?.type == .terminal, "\(events.map(\.type))")
            let sent = try await store.deliveries(status: .sent, jobId: job, channel: "hook", limit: 1000)
            #expect(Set(sent.map(\.delivery.eventId)) == Set(events.map(\.id)), "one delivery per event")
            #expect(receiver.requests == events.count, "each sent once")
            #expect(receiver.requestTexts.allSatisfy { $0.lowercased().contains("webhook-signature: v1,") })
        }
    }
}
