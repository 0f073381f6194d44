import Foundation
import GRDB
import Testing

@testable import TamwatchModel
@testable import TamwatchSQLite
@testable import TamwatchStore
@testable import TamwatchTesting

@Suite("State file: what it refuses, corruption, upgrades, one writer", .timeLimit(.minutes(5)))
struct StateStoreTests {
    func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test("an SQLite file with tables that are not tamwatch's is refused, and nothing is created in it")
    func foreignDatabase() throws {
        let path = temporaryPath("crm.sqlite")
        let folder = (path as NSString).deletingLastPathComponent
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write {
                try $0.execute(
                    sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ana')")
            }
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try SQLiteStore(path: path) }
        do { _ = try SQLiteStore(path: path) } catch {
            #expect(error.kind == .notTamwatch && error.exitCode == 78)
            #expect(error.description.contains("customers"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the file is untouched")
        #expect(files(in: folder) == ["crm.sqlite"], "no -wal, -shm or anything else created")
    }

    @Test("a file that is not SQLite at all is refused and left as it was")
    func notSQLite() throws {
        let path = temporaryPath("notes.sqlite")
        try "my notes, not a database\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("opened a text file as a state file")
        } catch {
            #expect(error.kind == .notTamwatch && error.description.contains("not an SQLite database"), "\(error)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "my notes, not a database\n")
    }

    @Test("a file damaged in the middle says it is corrupt (exit 74), never a cancellation or a crash")
    func corruption() async throws {
        let path = temporaryPath("state.sqlite")
        do {
            let store = try SQLiteStore(path: path)
            var state = WatchState(lastProgressAt: Date())
            var events: [Event] = []
            for i in 1...3000 {
                state.sequence = i
                events.append(sampleEvent(.progress, at: Double(i), sequence: i))
            }
            _ = try await store.commit(jobId: "8a8e8a97-job-1", state: state, labels: [:], events: events, at: Date())
        }
        // Overwrite pages in the middle of the file (the events' b-tree) with noise.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 3)
        try handle.write(contentsOf: Data((0..<(Int(size) / 3)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try handle.close()
        var seen: StoreError?
        do {
            let store = try SQLiteStore(path: path)
            _ = try await store.events(jobId: "8a8e8a97-job-1")
            _ = try await store.commit(
                jobId: "8a8e8a97-job-1", state: WatchState(lastProgressAt: Date()), labels: [:],
                events: [sampleEvent(.terminal, sequence: 3001)], at: Date())
        } catch {
            seen = error
        }
        let error = try #require(seen, "reading a damaged file reported nothing")
        #expect(error.kind == .corrupt && error.exitCode == 74, "\(error)")
        #expect(error.description.contains("is corrupt"))
    }

    @Test("a state file left at each migration's step is upgraded and carries on: a commit, its events and its watch")
    func upgradeFromEveryStep() async throws {
        let steps = SQLiteStore.migrator.migrations
        #expect(steps.count >= 7)
        for step in steps {
            let path = temporaryPath("at-\(step).sqlite")
            do {
                let queue = try DatabaseQueue(path: path)
                try SQLiteStore.migrator.migrate(queue, upTo: step)
                try queue.close()
            }
            let store = try SQLiteStore(path: path)
            var state = WatchState(lastProgressAt: Date(timeIntervalSince1970: 1_800_000_000))
            state.sequence = 1
            state.query = "neobanks worldwide"
            let stored = try await store.commit(
                jobId: "job-1", state: state, labels: [:], events: [sampleEvent(.statusChanged, sequence: 1)], deliveries: [],
                flushed: [], throttle: nil, at: Date())
            #expect(stored.count == 1, "from \(step)")
            #expect(try await store.job("job-1")?.state.query == "neobanks worldwide", "from \(step)")
            _ = try await store.register(jobId: "job-1", labels: [:], maxCredits: nil, guardAction: nil, query: "q", at: Date())
            #expect(try await store.watch("job-1")?.query == "neobanks worldwide", "from \(step): the state's query wins")
        }
    }

    @Test("a state file written by a newer tamwatch is refused, naming what it does not know, and left as it was")
    func newerState() throws {
        let path = temporaryPath("newer.sqlite")
        _ = try SQLiteStore(path: path)
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
            try queue.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("a newer state file was opened")
        } catch {
            #expect(error.kind == .newer)
            #expect(error.message.contains("written by a newer tamwatch") && error.message.contains("v99-from-the-future"), "\(error)")
        }
        do {
            _ = try SQLiteStore(path: path, readOnly: true)
            Issue.record("a newer state file was opened to read")
        } catch {
            #expect(error.kind == .newer)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "nothing was written to it")
    }

    @Test("a state file of the first released schema, with data, is upgraded and keeps its data")
    func upgradeFromFirstSchema() async throws {
        let path = temporaryPath("old.sqlite")
        let job = "8a8e8a97-job-1"
        var state = WatchState(lastProgressAt: Date(timeIntervalSince1970: 1_800_000_000))
        state.sequence = 2
        state.bandsAnnounced = 1
        let events = [sampleEvent(.statusChanged, sequence: 1), sampleEvent(.bandCompleted, sequence: 2)]
        do {
            // Exactly what version 1 created, and what it stored.
            let queue = try DatabaseQueue(path: path)
            // As version 1 wrote a state (every key, nulls included).
            let stateText = """
                {"snapshot":null,"sequence":2,"status_changes":0,"bands_announced":1,"processed_high_water":0,\
                "degraded_events":0,"credit_events":0,"last_credits":null,"stalls":0,"stall_announced":false,\
                "last_progress_at":1800000000,"terminal_announced":false,"watch_errors":0}
                """
            try await queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                        INSERT INTO grdb_migrations VALUES ('v1-jobs-and-events');
                        CREATE TABLE jobs (job_id TEXT PRIMARY KEY NOT NULL, state TEXT NOT NULL, labels TEXT NOT NULL DEFAULT '{}',
                                           updated_at REAL NOT NULL);
                        CREATE TABLE events (id TEXT PRIMARY KEY NOT NULL, job_id TEXT NOT NULL, sequence INTEGER NOT NULL, type TEXT NOT NULL,
                                             occurred_at REAL NOT NULL, body TEXT NOT NULL, emitted INTEGER NOT NULL DEFAULT 0);
                        CREATE INDEX events_by_job ON events(job_id, sequence);
                        CREATE INDEX events_not_emitted ON events(job_id) WHERE emitted = 0;
                        """)
                try db.execute(
                    sql: "INSERT INTO jobs VALUES (?, ?, ?, ?)", arguments: [job, stateText, #"{"owner":"ana"}"#, 1_800_000_000])
                for e in events {
                    try db.execute(
                        sql: "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, 1)",
                        arguments: [e.id, job, e.sequence, e.type.rawValue, e.occurredAt.timeIntervalSince1970, e.json.serialized()])
                }
            }
        }
        // A read-only open (tamwatch deliveries) does not upgrade it, and says so.
        do { _ = try SQLiteStore(path: path, readOnly: true); Issue.record("read-only open of an old schema") } catch {
            #expect(error.kind == .outdated)
        }
        let store = try SQLiteStore(path: path)
        let stored = try #require(try await store.job(job))
        #expect(stored.state == state && stored.labels == ["owner": "ana"])
        #expect(try await store.events(jobId: job).map(\.id) == events.map(\.id))
        // The upgraded file takes what later versions store: deliveries, throttles, claims.
        let next = sampleEvent(.terminal, sequence: 3)
        let d = Delivery(
            id: "dlv_1", eventId: next.id, jobId: job, eventType: .terminal, channel: "c", rule: "r",
            message: RenderedMessage(body: "{}"), folded: 0, createdAt: next.occurredAt)
        var throttle = ThrottleState()
        throttle.entries["r|c"] = .init(lastQueued: next.occurredAt, held: 1, heldEvent: next)
        state.sequence = 3
        _ = try await store.commit(
            jobId: job, state: state, labels: stored.labels, events: [next], deliveries: [d], throttle: throttle, at: Date())
        #expect(try await store.deliveries().map(\.id) == ["dlv_1"])
        #expect(try await store.job(job)?.throttle == throttle)
        let claimed = try await store.exchange(records: [], claims: [("c", 1)], now: Date(), lease: .init(owner: "me", duration: 60))
        #expect(claimed.claimed["c"]?.map(\.id) == ["dlv_1"])
    }

    @Test("one writer per state file: a second is told who holds it; with waiting it goes on once the first lets go")
    func oneWriter() async throws {
        let path = temporaryPath("state.sqlite")
        var first: StateFileLock? = try StateFileLock.acquire(statePath: path, holder: "tamwatch watch")
        do {
            _ = try StateFileLock.acquire(statePath: path, holder: "tamwatch replay")
            Issue.record("two writers on one state file")
        } catch let held as StateFileLock.Held {
            #expect(held.holder.hasPrefix("pid \(getpid()): tamwatch watch (since "), "\(held.holder)")
            #expect(held.description.contains("--wait"))
        }
        let (told, tell) = AsyncStream.makeStream(of: String.self)
        let waited = Task {
            let lock = try await StateFileLock.acquire(statePath: path, holder: "tamwatch replay") { tell.yield($0.holder) }
            withExtendedLifetime(lock) {}
        }
        var waiting = told.makeAsyncIterator()
        #expect(await waiting.next()?.contains("tamwatch watch") == true, "the waiter said whom it waits for")
        withExtendedLifetime(first) {}
        first = nil
        try await waited.value
        // Readers need no lock.
        _ = try SQLiteStore(path: path)
        let locked = try StateFileLock.acquire(statePath: path, holder: "tamwatch watch")
        #expect(try await SQLiteStore(path: path, readOnly: true).deliveries().isEmpty)
        withExtendedLifetime(locked) {}
    }
}
