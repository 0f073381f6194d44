import Logging
import PostgresNIO

/// The PostgreSQL schema, by version. Applied at start under an advisory lock, so replicas that
/// start together migrate once; a version is never edited once shipped, only added to.
enum PostgresSchema {
    /// `pg_advisory_xact_lock` keys: migrations, and commits that add events (the feed's order).
    static let migrationLock: Int64 = 0x7461_6d77_0001
    static let feedLock: Int64 = 0x7461_6d77_0002

    static let versions: [String] = [
        """
        CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            labels TEXT NOT NULL DEFAULT '{}',
            updated_at DOUBLE PRECISION NOT NULL,
            throttle TEXT NOT NULL DEFAULT '{}',
            finished_at DOUBLE PRECISION
        );
        CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
        CREATE TABLE events (
            cursor BIGSERIAL PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            job_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            type TEXT NOT NULL,
            occurred_at DOUBLE PRECISION NOT NULL,
            body TEXT NOT NULL,
            emitted BOOLEAN NOT NULL DEFAULT FALSE
        );
        CREATE INDEX events_by_job ON events(job_id, sequence);
        CREATE INDEX events_not_emitted ON events(job_id) WHERE NOT emitted;
        CREATE TABLE deliveries (
            seq BIGSERIAL UNIQUE,
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            channel TEXT NOT NULL,
            rule TEXT NOT NULL,
            content_type TEXT NOT NULL,
            body TEXT NOT NULL,
            message_extra TEXT,
            folded BIGINT NOT NULL DEFAULT 0,
            render_error TEXT,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts BIGINT NOT NULL DEFAULT 0,
            failures BIGINT NOT NULL DEFAULT 0,
            next_at DOUBLE PRECISION NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            last_attempt_at DOUBLE PRECISION,
            sent_at DOUBLE PRECISION,
            last_status BIGINT,
            last_error TEXT,
            claim_owner TEXT,
            claim_until DOUBLE PRECISION,
            batch TEXT
        );
        CREATE INDEX deliveries_due ON deliveries(channel, next_at, created_at) WHERE status = 'pending';
        CREATE INDEX deliveries_by_job ON deliveries(job_id, created_at);
        CREATE INDEX deliveries_by_batch ON deliveries(batch, status) WHERE batch IS NOT NULL;
        CREATE INDEX deliveries_settled ON deliveries(status, (COALESCE(last_attempt_at, created_at)))
            WHERE status IN ('sent', 'dead');
        CREATE TABLE channel_state (
            channel TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            disabled_at DOUBLE PRECISION NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE TABLE pruned (kind TEXT PRIMARY KEY, count BIGINT NOT NULL, last_at DOUBLE PRECISION);
        CREATE TABLE watches (
            cursor BIGSERIAL PRIMARY KEY,
            job_id TEXT NOT NULL UNIQUE,
            active BOOLEAN NOT NULL DEFAULT TRUE,
            labels TEXT NOT NULL DEFAULT '{}',
            created_at DOUBLE PRECISION NOT NULL,
            stopped_at DOUBLE PRECISION,
            finished_at DOUBLE PRECISION,
            error TEXT,
            max_credits BIGINT,
            guard_action TEXT,
            owner TEXT,
            lease_epoch BIGINT NOT NULL DEFAULT 0,
            lease_until TIMESTAMPTZ
        );
        CREATE INDEX watches_active ON watches(active, cursor);
        CREATE TABLE attempts (
            seq BIGSERIAL PRIMARY KEY,
            delivery_id TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            status_code BIGINT,
            duration_ms BIGINT,
            error TEXT,
            response_excerpt TEXT
        );
        CREATE INDEX attempts_by_delivery ON attempts(delivery_id, at);
        """,
        // Replicas: who is alive (for each one's fair share of the watches).
        """
        CREATE TABLE replicas (owner TEXT PRIMARY KEY, seen_at TIMESTAMPTZ NOT NULL);
        CREATE INDEX watches_unowned ON watches(lease_until) WHERE active;
        """,
        // Channels' limits across replicas: the rate limit's tokens and a pause (Retry-After),
        // on the database's clock (seconds since 1970).
        """
        CREATE TABLE channel_limits (
            channel TEXT PRIMARY KEY,
            tokens DOUBLE PRECISION NOT NULL,
            refilled_at DOUBLE PRECISION NOT NULL,
            paused_until DOUBLE PRECISION
        );
        CREATE INDEX deliveries_claimed ON deliveries(channel, claim_until) WHERE status = 'pending' AND claim_owner IS NOT NULL
        """,
        // The query of a build submitted through the API, for whichever replica polls it.
        "ALTER TABLE watches ADD COLUMN query TEXT",
    ]

    /// Brings the database to the newest version; returns it.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger).collect()
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS tamwatch_schema (version BIGINT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger
            ).collect()
            var current = 0
            for try await version in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM tamwatch_schema", logger: logger)
                .decode(Int.self)
            {
                current = version
            }
            guard current <= versions.count else {
                throw StoreSchemaError(found: current, known: versions.count)
            }
            for (index, sql) in versions.enumerated() where index + 1 > current {
                // One statement at a time (the extended protocol takes one); no statement here holds a `;`.
                for statement in sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger).collect()
                }
                try await connection.query("INSERT INTO tamwatch_schema (version) VALUES (\(index + 1))", logger: logger).collect()
            }
            return versions.count
        }
    }
}
