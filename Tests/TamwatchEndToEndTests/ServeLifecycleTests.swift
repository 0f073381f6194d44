import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchSQLite
import TamwatchTesting
import Testing

@Suite("tamwatch serve: resuming, crashes, shutdown, slow clients", .serialized, .timeLimit(.minutes(5)), .reapsChildren)
struct ServeLifecycleTests {
    @Test("a stream client that drops and resumes with Last-Event-ID gets the rest exactly once, the gap included")
    func resumeWithLastEventID() async throws {
        let dir = temporaryDirectory()
        // 1 s a poll: the build outlasts the first client's three events even on a busy machine.
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let config = try ServeEndToEndTests.writeConfig(in: dir, receiver: "http://127.0.0.1:9/hook")
        let serve = try await ServeProcess.start(config: config, sim: sim, extra: ["--sse-ping", "100ms"])
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }

        let whole = try serve.sse()
        defer { whole.close() }
        let part = try serve.sse()
        #expect(await part.wait { $0.status == 200 })
        #expect(await whole.wait { $0.status == 200 })
        let created = try await serve.call("POST", "/api/v1/builds", body: #"{"query": "q"}"#, transport: http)
        let jobId = try #require(created.json?["job_id"]?.stringValue)
        #expect(await part.wait { $0.events.count >= 3 })
        part.close()
        let read = part.events
        let lastSeen = try #require(read.last?.id)
        // Events go on being committed while the client is away.
        #expect(await whole.wait { $0.events.contains { $0.event == "job.terminal" } })
        #expect(whole.events.count > read.count + 3)

        let resumed = try serve.sse(headers: ["Last-Event-ID: \(lastSeen)"])
        defer { resumed.close() }
        #expect(await resumed.wait { $0.events.contains { $0.event == "job.terminal" } })
        #expect(read.map(\.id) + resumed.events.map(\.id) == whole.events.map(\.id))
        #expect(resumed.envelopes.allSatisfy { $0["job_id"]?.stringValue == jobId })
        // `since` does the same; a filter applies to the gap too.
        let since = try serve.sse("/api/v1/events?since=\(lastSeen)&type=job.band_completed")
        defer { since.close() }
        let bands = whole.events.filter { $0.event == "job.band_completed" && Int($0.id ?? "") ?? 0 > Int(lastSeen) ?? 0 }
        #expect(await since.wait { $0.events.count == bands.count })
        #expect(since.events.map(\.id) == bands.map(\.id))
        // Pings keep idle connections open.
        #expect(await resumed.wait { $0.comments.contains("ping") })
    }

    @Test("serve killed with SIGKILL mid-build resumes every watch on restart: nothing lost, nothing announced twice")
    func sigkillAndRestart() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir)
        defer { receiver.child.stop() }
        let config = try ServeEndToEndTests.writeConfig(in: dir, receiver: receiver.url)
        let http = CurlTransport()
        defer { http.shutdown() }

        var serve = try await ServeProcess.start(config: config, sim: sim, extra: ["--poll-interval", "150ms"])
        var jobs: [String] = []
        for i in 0..<3 {
            let r = try await serve.call("POST", "/api/v1/builds", body: #"{"query": "q\#(i)", "labels": {"n": "\#(i)"}}"#, transport: http)
            jobs.append(try #require(r.json?["job_id"]?.stringValue))
        }
        let stream = try serve.sse()
        #expect(await stream.wait { $0.events.filter { $0.event == "job.band_completed" }.count >= 3 })
        try await serve.child.sigkill()
        stream.close()

        serve = try await ServeProcess.start(config: config, sim: sim, extra: ["--poll-interval", "150ms"])
        defer { serve.child.stop() }
        for job in jobs {
            let w = try await serve.until("/api/v1/watches/\(job)", transport: http) { $0.json?["active"]?.boolValue == false }
            #expect(w.json?["status"]?.stringValue == "completed")
        }
        _ = try await serve.until("/api/v1/deliveries?status=pending", transport: http) { $0.json?["data"]?.arrayItems.isEmpty == true }
        await serve.child.stop()

        let store = try SQLiteStore(path: dir.appendingPathComponent("state.sqlite").path, readOnly: true)
        var all: [String] = []
        for job in jobs {
            let events = try await store.events(jobId: job)
            #expect(events.map(\.sequence) == Array(1...events.count), "no sequence missing or doubled")
            #expect(events.filter { $0.type == .terminal }.count == 1)
            #expect(events.filter { $0.type == .bandCompleted }.map { $0.data["band"]?.intValue ?? 0 } == Array(1...6))
            all += events.map(\.id)
        }
        #expect(Set(all).count == all.count)
        // At least once at the receiver: every event; a second time only under the same id.
        #expect(Set(try receiver.acknowledged()) == Set(all))
    }

    @Test("SIGTERM: stream clients hear shutdown, polling stops, exit 0 within the drain timeout; the watch resumes after")
    func sigtermIsGraceful() async throws {
        let dir = temporaryDirectory()
        let sim = try await SimulatorProcess.start()
        defer { sim.child.stop() }
        let receiver = try await PythonReceiver.start(secret: DeliveryEndToEndTests.secret, in: dir, plan: "", then: "slow:400")
        defer { receiver.child.stop() }
        let config = try ServeEndToEndTests.writeConfig(in: dir, receiver: receiver.url)
        let http = CurlTransport()
        defer { http.shutdown() }
        var serve = try await ServeProcess.start(config: config, sim: sim, extra: ["--poll-interval", "150ms", "--shutdown-grace", "3s"])
        let created = try await serve.call("POST", "/api/v1/builds", body: #"{"query": "q"}"#, transport: http)
        let jobId = try #require(created.json?["job_id"]?.stringValue)
        let stream = try serve.sse()
        defer { stream.close() }
        #expect(await stream.wait { $0.events.count >= 4 })

        kill(serve.child.pid, SIGTERM)
        #expect(try await serve.child.exitCode(timeout: .seconds(20)) == 0, "\(serve.child.stderr)")
        #expect(await stream.wait { $0.messages.contains { $0.event == "shutdown" } })
        #expect(await stream.wait { $0.ended })

        // The state is whole: the same watch carries on from where it stopped, to its end.
        serve = try await ServeProcess.start(config: config, sim: sim, extra: ["--poll-interval", "50ms"])
        defer { serve.child.stop() }
        let done = try await serve.until("/api/v1/watches/\(jobId)", transport: http) { $0.json?["active"]?.boolValue == false }
        #expect(done.json?["status"]?.stringValue == "completed")
        let events = try await serve.call("GET", "/api/v1/watches/\(jobId)/events?limit=500", transport: http)
        let sequences = events.json?["data"]?.arrayItems.compactMap { $0["sequence"]?.intValue } ?? []
        #expect(sequences == Array(1...sequences.count))
    }

    @Test("a stream client that stops reading is dropped; the watcher does not wait for it")
    func slowClientIsDropped() async throws {
        let dir = temporaryDirectory()
        // 1 s a poll: each build makes some 150 events whatever the machine's load (with 5 s, a
        // busy run made too few to overflow the stalled client's buffers).
        let sim = try await SimulatorProcess.start(step: "1s")
        defer { sim.child.stop() }
        let config = try ServeEndToEndTests.writeConfig(in: dir, receiver: "http://127.0.0.1:9/hook")
        let serve = try await ServeProcess.start(config: config, sim: sim, extra: ["--sse-buffer", "200"])
        defer { serve.child.stop() }
        let http = CurlTransport()
        defer { http.shutdown() }

        let stalled = try serve.sse(reading: false, receiveBuffer: 2048)
        defer { stalled.close() }
        let reader = try serve.sse()
        defer { reader.close() }
        #expect(await reader.wait { $0.status == 200 })
        _ = try await serve.until("/metrics", transport: http) { $0.text.contains("tamwatch_sse_clients 2") }

        var jobs: [String] = []
        // Every event carries its watch's labels: 30 labels of 1,000 characters make some 350
        // events of 30 KB, more than the socket buffers take (the kernel's grow to 4 MB) and the
        // 200 a client may lag.
        let pad = (0..<30).map { #""pad\#($0)": "\#(String(repeating: "p", count: 1000))""# }.joined(separator: ", ")
        for i in 0..<8 {
            let r = try await serve.call(
                "POST", "/api/v1/builds", body: #"{"query": "q\#(i)", "labels": {\#(pad)}}"#, transport: http)
            jobs.append(try #require(r.json?["job_id"]?.stringValue))
        }
        // Every build ends, and the reading client sees every event, while the other is stuck.
        #expect(await reader.wait(timeout: .seconds(60)) { $0.events.filter { $0.event == "job.terminal" }.count == 8 })
        let m = try await serve.metrics(transport: http)
        #expect(m["tamwatch_sse_clients"] == 1, "the stalled client was dropped")
        #expect(m["tamwatch_watches{status=\"completed\"}"] == 8)
        #expect(serve.child.stderr.contains("stopped reading"))
        // Its handler is not left blocked on the socket: a graceful stop is not held up by it.
        kill(serve.child.pid, SIGTERM)
        #expect(try await serve.child.exitCode(timeout: .seconds(15)) == 0)
    }
}
