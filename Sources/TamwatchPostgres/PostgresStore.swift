import Foundation
import Logging
import PostgresNIO
import Synchronization
import TamwatchModel
import TamwatchStore

/// The state store on PostgreSQL: the same tables and rules as the SQLite state file, shared by
/// every `tamwatch serve` replica pointed at the same database. A poll's state, its events and
/// the deliveries they cause are one transaction; the event feed's cursor follows commit order
/// (commits that add events take a transaction-scoped advisory lock, so a cursor is never
/// handed out before a smaller one is visible).
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    /// The watches this process took, at their epochs: a commit for one of these jobs is
    /// fenced (stored only while the epoch is still this owner's). Once this process shares the
    /// store (it took a lease), a commit for a job it never took is refused outright.
    let fence = Mutex(Fence())

    /// How far the database's clock is ahead of this machine's, in seconds. Every instant the
    /// store is given (a claim's time, a retry's due time) is moved onto the database's clock
    /// by it, so replicas whose clocks disagree still agree on when a claim runs out.
    let skew: Mutex<Double>

    struct Fence {
        var shared = false
        var held: [String: (owner: String, epoch: Int64)] = [:]
    }

    /// Connects (the pool runs until `close`) and brings the schema up to date, once, however
    /// many replicas start together.
    public init(location: PostgresLocation, logger: Logger = Logger(label: "tamwatch.postgres")) async throws(StoreError) {
        self.location = location
        self.logger = logger
        // One connection first: a server that is down, refuses the login or wants TLS is said
        // at once, instead of the pool retrying in the background while the first query waits.
        // The schema is brought up to date on it, and the clocks compared.
        skew = Mutex(try await Self.prepare(location, logger: logger))
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        configuration.options.maximumConnections = 8
        // No transaction here waits on anything but the database, so one idle for seconds belongs
        // to a replica that froze (a GC pause, SIGSTOP) with row locks held: the server ends it,
        // and the watches it locked can be taken over instead of being skipped until it wakes.
        configuration.options.additionalStartupParameters = [("idle_in_transaction_session_timeout", "10s")]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Connects once: migrates, and measures the clocks' skew.
    private static func prepare(_ location: PostgresLocation, logger: Logger) async throws(StoreError) -> Double {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(location), id: 0, logger: logger)
            do {
                try await PostgresSchema.migrate(connection, logger: logger)
                let skew = try await measureSkew { try await connection.query($0, logger: logger).collect() }
                try await connection.close()
                return skew
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw storeError(location, error)
        }
    }

    /// One connection of its own (not the pool's): the probe, and the listener.
    static func connectionConfiguration(_ location: PostgresLocation, name: String? = nil) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        if let name { configuration.options.additionalStartupParameters = [("application_name", name)] }
        return configuration
    }

    /// How far the database's clock is ahead of this machine's (measured again at every lease
    /// turn). Within a second the clocks are taken to agree: a loaded machine's round trip can
    /// make the measurement that far off, and leases and claims last tens of seconds.
    static func measureSkew(_ query: (PostgresQuery) async throws -> [PostgresRow]) async throws -> Double {
        let before = Date().timeIntervalSince1970
        let database = try await query("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8").first?.decode(Double.self)
        let after = Date().timeIntervalSince1970
        guard let database else { return 0 }
        let measured = database - (before + after) / 2
        return abs(measured) < 1 ? 0 : measured
    }

    /// A time of this machine's clock on the database's, in seconds since 1970.
    func databaseTime(_ date: Date) -> Double { date.timeIntervalSince1970 + skew.withLock { $0 } }

    /// Closes the pool.
    public func close() { running.cancel() }

    deinit { running.cancel() }

    // MARK: - Plumbing

    /// How long a transaction may take unless its caller says otherwise.
    static let answerWithin = Duration.seconds(30)

    /// Runs `body` in a transaction on a connection of the pool, within `limit`: past it, the
    /// connection is closed (whatever it waits for fails at once) and the call throws. A
    /// connection whose packets are dropped (the network cut, not refused) would otherwise hang
    /// its caller until TCP gives up, many minutes later, and a healed network would find this
    /// replica still waiting on it.
    @discardableResult
    func transaction<T: Sendable>(within limit: Duration = answerWithin, _ body: @escaping @Sendable (Statements) async throws -> T)
        async throws(StoreError) -> T
    {
        let logger = self.logger
        let client = self.client
        // The connection the transaction runs on, once the pool gave it one.
        let used = Mutex<PostgresConnection?>(nil)
        let work: @Sendable () async throws -> T = {
            try await client.withConnection { connection in
                used.withLock { $0 = connection }
                return try await connection.withTransaction(logger: logger) { connection in
                    try await body(Statements(connection: connection, logger: logger))
                }
            }
        }
        do {
            return try await Self.within(limit, work) {
                _ = used.withLock { $0 }?.close() as EventLoopFuture<Void>?
            }
        } catch let late as Late {
            throw StoreError(
                path: location.description,
                message: "PostgreSQL did not answer within \(DurationText.format(late.limit)); its connection was closed")
        } catch {
            throw Self.storeError(location, error)
        }
    }

    /// A transaction that ran past its time.
    struct Late: Error {
        var limit: Duration
    }

    /// `within`'s two tasks, the work and its timer: the first to end resumes the caller and
    /// cancels the other.
    final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var tasks: [Task<Void, Never>] = []
            /// How it ended, if it did before `start` (then `start` resumes the caller).
            var result: Result<T, any Error>?
            /// The caller was cancelled: so is the work, as if it ran in the caller's task.
            var cancelled = false
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
            let (result, cancelled) = state.withLock { s -> (Result<T, any Error>?, Bool) in
                if s.result == nil {
                    s.continuation = continuation
                    s.tasks = [work, timer]
                }
                return (s.result, s.cancelled)
            }
            if let result {
                work.cancel()
                timer.cancel()
                continuation.resume(with: result)
            } else if cancelled {
                work.cancel()
            }
        }

        func cancel() {
            let work = state.withLock { s -> Task<Void, Never>? in
                s.cancelled = true
                return s.tasks.first
            }
            work?.cancel()
        }

        /// True for the first to end.
        @discardableResult
        func end(with result: Result<T, any Error>) -> Bool {
            let won = state.withLock { s -> (continuation: CheckedContinuation<T, any Error>?, tasks: [Task<Void, Never>])? in
                guard s.result == nil else { return nil }
                s.result = result
                defer {
                    s.continuation = nil
                    s.tasks = []
                }
                return (s.continuation, s.tasks)
            }
            guard let won else { return false }
            for task in won.tasks { task.cancel() }
            won.continuation?.resume(with: result)
            return true
        }
    }

    /// Runs `work` in a task of its own, at most `limit`: past it, calls `late` (which makes
    /// `work` end: it closes its connection) and throws `Late` at once, without waiting for
    /// `work` to return (a request the driver lost on a connection the server ended would never
    /// return). Cancelling the caller cancels `work`, which ends as it would have in the caller.
    static func within<T: Sendable>(
        _ limit: Duration, _ work: @escaping @Sendable () async throws -> T, late: @escaping @Sendable () -> Void
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(
                    continuation,
                    work: Task {
                        do { race.end(with: .success(try await work())) } catch { race.end(with: .failure(error)) }
                    },
                    timer: Task {
                        guard (try? await Task.sleep(for: limit)) != nil else { return }
                        if race.end(with: .failure(Late(limit: limit))) { late() }
                    })
            }
        } onCancel: {
            race.cancel()
        }
    }

    /// What went wrong, said for a person, with the server's own message; never the password.
    static func storeError(_ location: PostgresLocation, _ error: any Error) -> StoreError {
        var error = error
        if let t = error as? PostgresTransactionError {
            error = t.closureError ?? t.commitError ?? t.beginError ?? t.rollbackError ?? error
        }
        if let store = error as? StoreError { return store }
        if error is CancellationError { return StoreError(path: location.description, message: "interrupted") }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return StoreError(path: location.description, message: "PostgreSQL: \(message)\(state)")
            }
            let underlying = psql.underlying.map { ": \($0)" } ?? ""
            return StoreError(path: location.description, message: "PostgreSQL \(psql.code)\(underlying)")
        }
        return StoreError(path: location.description, message: "\(error)")
    }

    /// JSON text written and read with Codable, as the SQLite store keeps it.
    static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        text.flatMap { try? JSONDecoder().decode(type, from: Data($0.utf8)) }
    }
}

/// One connection's statements inside a transaction.
struct Statements: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs a statement and reads every row it returns.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }
}

extension PostgresStore {
    /// The schema version the database is at (the newest this tamwatch knows, once opened).
    public func schemaVersion() async throws(StoreError) -> Int {
        try await transaction { db in
            try await db.rows("SELECT COALESCE(MAX(version), 0) FROM tamwatch_schema").first?.decode(Int.self) ?? 0
        }
    }
}
