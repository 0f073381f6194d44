import Foundation
import Synchronization
import Testing

@testable import TamwatchApp
@testable import TamwatchConfig
@testable import TamwatchHTTP
@testable import TamwatchModel
@testable import TamwatchTesting
@testable import TamwatchWatch

/// The reloader in-process: what it applies, what it only reports, and that a broken file
/// leaves everything as it was.
@Suite("Configuration reload", .timeLimit(.minutes(5)))
struct ReloaderTests {
    static func yaml(poll: String, rule: String, channels: String, extra: String = "") -> String {
        """
        api: { key: k, poll_interval: \(poll) }
        channels:
        \(channels)
        rules:
          - { name: r, on: ["*"], to: [\(rule)] }
        \(extra)
        """
    }

    @Test(
        "applies rules, channels and watch defaults; reports restart-only keys and keeps their running values; a broken file changes nothing"
    )
    func reload() async throws {
        let file = temporaryPath("tamwatch.yaml")
        let a = "  a: { type: webhook, url: \"http://127.0.0.1:9/a\" }"
        let b = "  b: { type: webhook, url: \"http://127.0.0.1:9/b\" }"
        try Self.yaml(poll: "10s", rule: "a", channels: a).write(toFile: file, atomically: true, encoding: .utf8)
        let loader = ConfigLoader(environment: [:])
        let first = try loader.load(path: file)
        let policy = WatchPolicy(settings: WatchSettings(config: first))
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let outcomes = OutcomeLog()
        let reloader = Reloader(
            file: file, current: first, environment: [:], transport: transport, policy: policy, dispatcher: nil
        ) { ok, _, hash, _ in outcomes.add(ok, hash) }
        let startHash = await reloader.hash

        try Self.yaml(poll: "2s", rule: "b", channels: a + "\n" + b, extra: "serve: { listen: \"127.0.0.1:1\" }")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let report = try await reloader.reload()
        #expect(report.changed == ["rules", "channel b: added", "watch defaults"], "\(report)")
        #expect(report.needsRestart == ["serve.listen"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(report.hash != startHash && report.hash == StableHash.fnv1a64(bytes))
        #expect(policy.settings.schedule.interval == .seconds(2) && policy.router != nil)
        #expect(await reloader.current.serve.listen == ListenAddress(host: "127.0.0.1", port: 9477), "the running value is kept")
        #expect(try await reloader.reload().needsRestart == ["serve.listen"], "and reported again until a restart")

        // Broken: an unknown key, and a rule to a channel that does not exist.
        try Self.yaml(poll: "9s", rule: "nowhere", channels: a).write(toFile: file, atomically: true, encoding: .utf8)
        await #expect(throws: ConfigErrors.self) { try await reloader.reload() }
        do {
            _ = try await reloader.reload()
        } catch {
            #expect(error.errors.contains { $0.key.hasPrefix("rules") && $0.line != nil }, "\(error)")
        }
        #expect(policy.settings.schedule.interval == .seconds(2), "the running settings stay")
        #expect(await reloader.current.channels.map(\.name).sorted() == ["a", "b"])
        #expect(outcomes.all.map(\.0) == [true, true, false, false])
        #expect(await reloader.hash == report.hash, "the hash of the configuration in force")
    }
}

final class OutcomeLog: Sendable {
    private let items = Mutex<[(Bool, UInt64)]>([])
    func add(_ ok: Bool, _ hash: UInt64) { items.withLock { $0.append((ok, hash)) } }
    var all: [(Bool, UInt64)] { items.withLock { $0 } }
}
