import Foundation
import TamwatchTesting
import Testing

@Suite("tamwatch migrate, end to end", .timeLimit(.minutes(5)), .reapsChildren)
struct MigrateTests {
    @Test(
        "migrate applies the schema once and prints its version; a state URL's password is never shown; other commands refuse a database state"
    )
    func migrate() async throws {
        let plain = try PostgresServer.database()
        // The test server trusts loopback: any password is taken, and must never be printed.
        let url = plain.replacingOccurrences(of: "postgres://tamwatch@", with: "postgres://tamwatch:s3cret-pw@")
        let masked = url.replacingOccurrences(of: ":s3cret-pw@", with: ":***@")
        var outputs: [String] = []
        for _ in 0..<2 {
            let run = try ChildProcess(["migrate", "--state", url])
            #expect(try await run.exitCode() == 0, "\(run.stderr)")
            #expect(run.stdoutLines == ["\(masked): schema version 4"])
            outputs += run.stdoutLines + [run.stderr]
            // A password in argv is there for every user to read: said, without the password.
            #expect(run.stderr.contains("can be read by every user of this machine (ps, /proc); set TAMWATCH_STATE_URL"), "\(run.stderr)")
        }
        let viaEnvironment = try ChildProcess(["migrate"], environment: ["TAMWATCH_STATE_URL": url])
        #expect(try await viaEnvironment.exitCode() == 0, "\(viaEnvironment.stderr)")
        #expect(viaEnvironment.stdoutLines == ["\(masked): schema version 4"] && viaEnvironment.stderr.isEmpty, "\(viaEnvironment.stderr)")

        let dir = temporaryDirectory()
        let config = dir.appendingPathComponent("tamwatch.yaml")
        try "state: { url: \"${DB_URL}\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let viaConfig = try ChildProcess(["migrate", "--config", config.path], environment: ["DB_URL": url])
        #expect(try await viaConfig.exitCode() == 0, "\(viaConfig.stderr)")
        #expect(viaConfig.stdoutLines == ["\(masked): schema version 4"])

        let watch = try ChildProcess(
            ["watch", "some-job", "--config", config.path], environment: ["DB_URL": url, "OPENFUNNEL_API_KEY": "k"])
        #expect(try await watch.exitCode() == 78)
        #expect(watch.stderr.contains("tamwatch serve (its replicas) and migrate work on it"), "\(watch.stderr)")

        let bad = try ChildProcess(["migrate", "--state", "postgres://:pw@/db"])
        #expect(try await bad.exitCode() == 78)
        #expect(bad.stderr.contains("--state: not a PostgreSQL URL: it has no host"), "\(bad.stderr)")

        let both = dir.appendingPathComponent("both.yaml")
        try "state:\n  path: s.sqlite\n  url: \"\(url)\"\n".write(to: both, atomically: true, encoding: .utf8)
        let conflict = try ChildProcess(["migrate", "--config", both.path])
        #expect(try await conflict.exitCode() == 78)
        #expect(
            conflict.stderr.contains("both.yaml:3:3: state.url: give state.path (a SQLite file) or state.url (PostgreSQL), not both"),
            "\(conflict.stderr)")

        // Nothing listens on the port: said with the URL, its password masked (exit 74).
        let closed = try RefusingPort()
        let down = try ChildProcess(["migrate", "--state", "postgres://tamwatch:s3cret-pw@127.0.0.1:\(closed.port)/db?sslmode=disable"])
        #expect(try await down.exitCode() == 74, "\(down.stderr)")
        #expect(down.stderr.contains("state database postgres://tamwatch:***@127.0.0.1:\(closed.port)/db"), "\(down.stderr)")
        // A database a newer tamwatch migrated: refused before anything is written (a rolling
        // upgrade's older replica, or a rollback), its schema left as it was.
        _ = try PostgresServer.query(plain, "INSERT INTO tamwatch_schema (version) VALUES (99)")
        let older = try ChildProcess(["migrate", "--state", url])
        #expect(try await older.exitCode() == 74, "\(older.stderr)")
        #expect(older.stderr.contains("newer than this tamwatch knows"), "\(older.stderr)")
        #expect(try PostgresServer.query(plain, "SELECT max(version) FROM tamwatch_schema") == ["99"])
        outputs += [viaConfig.stderr, watch.stderr, bad.stderr, conflict.stderr, down.stderr, older.stderr]
        #expect(!outputs.joined().contains("s3cret-pw"), "the password was printed")
    }
}
