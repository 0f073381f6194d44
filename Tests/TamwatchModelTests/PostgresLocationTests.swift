import Foundation
import Testing

@testable import TamwatchModel

@Suite("PostgreSQL URLs", .timeLimit(.minutes(5)))
struct PostgresLocationTests {
    @Test("host, port, user, password, database and sslmode; TLS required by default; the password masked")
    func parses() throws {
        let a = try PostgresLocation(url: "postgres://tam:p%40ss@db.example.com:6543/watch")
        #expect(a.host == "db.example.com" && a.port == 6543 && a.username == "tam" && a.password == "p@ss" && a.database == "watch")
        #expect(a.tls == .require)
        #expect(a.description == "postgres://tam:***@db.example.com:6543/watch")
        let b = try PostgresLocation(url: "postgresql://tam@127.0.0.1?sslmode=disable")
        #expect(b.port == 5432 && b.database == "tam" && b.password == nil && b.tls == .disable)
        #expect(b.description == "postgres://tam@127.0.0.1:5432/tam?sslmode=disable")
        #expect(try PostgresLocation(url: "postgres://u@h/d?sslmode=prefer").tls == .prefer)
        #expect(try PostgresLocation(url: "postgres://u@h/d?sslmode=verify-full").tls == .require)
        #expect(PostgresLocation.isURL("postgres://x") && !PostgresLocation.isURL("state.sqlite"))
    }

    @Test(
        "what is wrong is named, never the password",
        arguments: [
            ("http://u:secret@h/d", "expected postgres://"),
            ("postgres://:secret@/d", "no host"),
            ("postgres://:secret@h/d", "no user name"),
            ("postgres://u:secret@h/d?sslmode=maybe", "sslmode 'maybe'"),
            ("postgres://u:secret@h/d?timeout=3", "unknown parameter 'timeout'"),
        ])
    func refuses(_ url: String, _ words: String) {
        do {
            _ = try PostgresLocation(url: url)
            Issue.record("\(url) was taken")
        } catch {
            #expect(error.description.contains(words) && !error.description.contains("secret"), "\(error)")
        }
    }
}
