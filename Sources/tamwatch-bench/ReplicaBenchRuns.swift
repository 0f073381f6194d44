import Foundation
import Logging
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel
import TamwatchPostgres
import TamwatchStore
import TamwatchTesting

/// Replicas polling many watches at a steady interval: polls/s, CPU and RSS per replica, and
/// the database's CPU.
func benchReplicasLoad() async throws {
    let watches = Int(option("--watches", "10000")) ?? 10000
    let replicas = Int(option("--replicas", "3")) ?? 3
    let interval = option("--interval", "10s")
    let seconds = Double(option("--seconds", "30")) ?? 30
    raiseOpenFileLimit()
    let transport = CurlTransport(maxConnectionsPerHost: 64)
    defer { transport.shutdown() }
    var rig = try ReplicaRig(interval: interval)
    let (simulator, simURL, ids) = try await longBuilds(watches, folder: rig.folder, transport: transport)
    defer { simulator.terminate() }
    for _ in 0..<replicas { try rig.start(api: simURL) }
    defer { rig.stopAll() }
    let t0 = ContinuousClock.now
    try await register(ids, at: rig.servers[0].url, transport: transport)
    let registering = (ContinuousClock.now - t0).seconds
    let spread = try await waitForLeases(rig) { $0.values.reduce(0, +) == watches && $0.count == replicas }
    func polls() async throws -> Double {
        var total = 0.0
        for s in rig.servers {
            let text = try await transport.send(HTTPRequest(url: s.url + "/metrics")).bodyText
            let line = text.split(separator: "\n").first { $0.hasPrefix("tamwatch_polls_total{result=\"ok\"}") }
            total += Double(line?.split(separator: " ").last ?? "") ?? 0
        }
        return total
    }
    let warm0 = ContinuousClock.now
    while try await polls() < Double(watches), ContinuousClock.now - warm0 < .seconds(180) { try await Task.sleep(for: .milliseconds(500)) }
    try await Task.sleep(for: .seconds(2))
    let pids = rig.servers.map(\.process.processIdentifier)
    let polls0 = try await polls()
    let cpu0 = pids.map(processCPUSeconds)
    let db0 = ReplicaRig.databaseCPUSeconds()
    let w0 = ContinuousClock.now
    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    let elapsed = (ContinuousClock.now - w0).seconds
    let cpu = zip(pids.map(processCPUSeconds), cpu0).map { 100 * ($0 - $1) / elapsed }
    let db = 100 * (ReplicaRig.databaseCPUSeconds() - db0) / elapsed
    let rate = (try await polls() - polls0) / elapsed
    let held = try rig.held()
    print(
        String(
            format:
                "replicas-load: %d replicas, %d watches registered through one in %.2f s, held by all (%@) %.1f s later; at %@: %.0f polls/s; CPU per replica %@ of one core; RSS %@ MB; PostgreSQL CPU %.1f%%",
            replicas, watches, registering, pids.map { String(held[$0] ?? 0) }.joined(separator: "/"), spread ?? -1, interval, rate,
            cpu.map { String(format: "%.1f%%", $0) }.joined(separator: " / "),
            pids.map { String(format: "%.0f", processRSSMegabytes($0)) }.joined(separator: " / "), db))
}

/// Deliveries per second from the shared outbox, with 1 and 3 replicas, into a keep-alive
/// receiver, beside `curl --parallel` posting the same bodies in the same run.
func benchReplicasDeliver() async throws {
    let count = Int(option("--count", "5000")) ?? 5000
    let folder = temporaryDirectory()
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let nginx = try NginxReceiver.start(in: folder)
    defer { nginx?.stop() }
    let (receiver, receiverURL) = nginx == nil ? try startReceiver() : (nil, "")
    defer { receiver?.terminate() }
    let url = nginx?.url ?? receiverURL
    let events = benchEvents(count)
    let curlRun = try CurlRun(url: url, body: events[count / 2].json.serialized(), count: count, folder: folder)
    print(
        "replicas-deliver: \(count) webhooks of \(curlRun.body.utf8.count) bytes into \(nginx == nil ? "tamwatch receive" : "nginx"), concurrency 16 per channel (for all replicas together)"
    )
    for replicas in [1, 3] {
        let curlSeconds = try await curlRun.run(concurrency: 16)
        var rig = try ReplicaRig(channel: url)
        for _ in 0..<replicas { try rig.start(api: "http://127.0.0.1:9") }
        defer { rig.stopAll() }
        let store = try await PostgresStore(location: PostgresLocation(url: rig.database), logger: logger)
        defer { store.close() }
        let pids = rig.servers.map(\.process.processIdentifier)
        // The channel paused while the outbox fills (as for a Retry-After), so that what is timed
        // is the outbox alone, then opened for every replica at once.
        _ = try PostgresServer.query(
            rig.database,
            "INSERT INTO channel_limits (channel, tokens, refilled_at, paused_until) VALUES ('pipeline', 0, 0, 1e12) "
                + "ON CONFLICT (channel) DO UPDATE SET paused_until = 1e12")
        let c0 = ContinuousClock.now
        // Queued as polls would queue them: 500 events per commit.
        try await queueBenchDeliveries(events, body: curlRun.body, into: store)
        let committed = (ContinuousClock.now - c0).seconds
        let cpu0 = pids.map(processCPUSeconds)
        let db0 = ReplicaRig.databaseCPUSeconds()
        let t0 = ContinuousClock.now
        _ = try PostgresServer.query(
            rig.database, "UPDATE channel_limits SET paused_until = NULL; SELECT pg_notify('tamwatch', 'outbox')")
        while try await store.pending(jobIds: nil, batch: nil, channels: ["pipeline"], countAll: false).count > 0,
            ContinuousClock.now - t0 < .seconds(300)
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        let seconds = (ContinuousClock.now - t0).seconds
        let sent = try await store.deliveries(status: .sent, jobId: nil, channel: nil, limit: count + 1).count
        let cpu = zip(pids.map(processCPUSeconds), cpu0).map { $0 - $1 }
        print(
            String(
                format:
                    "  %d replica(s): %.0f/s (%d sent in %.2f s once the channel opened; queued in %.2f s before; CPU s per replica %@; PostgreSQL %.2f CPU s) | curl --parallel 16: %.0f/s = %.0f%% of curl",
                replicas, Double(sent) / seconds, sent, seconds, committed, cpu.map { String(format: "%.2f", $0) }.joined(separator: " / "),
                ReplicaRig.databaseCPUSeconds() - db0, Double(count) / curlSeconds,
                100 * (Double(sent) / seconds) / (Double(count) / curlSeconds)))
    }
}

/// How long the others take to hold every watch of a replica that holds `--watches`: after
/// SIGKILL (its leases run out: 30 s) and after SIGTERM (it gives them back).
func benchReplicasTakeover() async throws {
    let each = Int(option("--watches", "3000")) ?? 3000
    raiseOpenFileLimit()
    let transport = CurlTransport(maxConnectionsPerHost: 64)
    defer { transport.shutdown() }
    var rig = try ReplicaRig()
    let (simulator, simURL, ids) = try await longBuilds(2 * each, folder: rig.folder, transport: transport)
    defer { simulator.terminate() }
    try rig.start(api: simURL)
    try rig.start(api: simURL)
    defer { rig.stopAll() }
    try await register(ids, at: rig.servers[0].url, transport: transport)
    let (a, b) = (rig.servers[0].process, rig.servers[1].process)
    _ = try await waitForLeases(rig) { $0[a.processIdentifier] == each && $0[b.processIdentifier] == each }
    kill(a.processIdentifier, SIGKILL)
    a.waitUntilExit()
    let afterKill = try await waitForLeases(rig) { $0[b.processIdentifier] == 2 * each }
    try rig.start(api: simURL)
    let c = rig.servers[2].process
    let joined = try await waitForLeases(rig) { $0[b.processIdentifier] == each && $0[c.processIdentifier] == each }
    let term0 = ContinuousClock.now
    kill(c.processIdentifier, SIGTERM)
    let afterTerm = try await waitForLeases(rig) { $0[b.processIdentifier] == 2 * each }
    c.waitUntilExit()
    let exited = (ContinuousClock.now - term0).seconds
    print(
        String(
            format:
                "replicas-takeover: a replica holding %d watches (leases of 30 s): SIGKILL → the other holds them all after %.1f s; a new replica holds its half after %.1f s; SIGTERM → the other holds them all after %.2f s (the stopping one exited by %.2f s)",
            each, afterKill ?? -1, joined ?? -1, afterTerm ?? -1, exited))
}
