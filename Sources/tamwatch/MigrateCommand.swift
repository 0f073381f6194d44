import ArgumentParser
import Foundation
import Logging
import TamwatchPostgres
import TamwatchStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring a PostgreSQL state database's schema up to date and print its version.",
        discussion: """
            The state is in PostgreSQL with state.url (or --state postgres://USER:PASSWORD@HOST:PORT/DB). \\
            Replicas apply the same migrations at start, under an advisory lock, so running this first \\
            is optional; it says which version the database is at. TLS is required unless the URL \\
            says ?sslmode=disable (or prefer). The password is never shown. Exit status: 0 done; 74 the \\
            database could not be reached or migrated; 78 configuration.
            """
    )

    @OptionGroup var options: ConfigOptions

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        let config = try options.load(database: true)
        guard let location = config.stateDatabase else {
            printError("tamwatch migrate: no PostgreSQL state: set state.url in the config, or pass --state postgres://...")
            throw Exit.configuration
        }
        var logger = Logger(label: "tamwatch.postgres")
        logger.logLevel = .critical
        do {
            let store = try await PostgresStore(location: location, logger: logger)
            defer { store.close() }
            let version = try await store.schemaVersion()
            print("\(location): schema version \(version)")
        } catch {
            printError("tamwatch: \(error)")
            throw ExitCode(error.exitCode)
        }
    }
}
