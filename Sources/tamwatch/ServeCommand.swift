import ArgumentParser
import Foundation
import Logging
import TamwatchConfig
import TamwatchConsole
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchPostgres
import TamwatchSQLite
import TamwatchServe
import TamwatchStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run as a service: an HTTP API to watch builds, a live event stream, metrics and a status page.",
        discussion: """
            One process polls every active watch, delivers per the config's rules, and answers on \
            --listen (default serve.listen, else 127.0.0.1:9477): the API under /api/v1, the event \
            stream at /api/v1/events, Prometheus metrics at /metrics, the page at /, and /-/healthy \
            and /-/ready. Watches live in the state file and resume after a restart.

            Every route but /-/* needs a bearer token when serve.tokens is set (a read token may \
            only look; `tamwatch token` makes one); listening beyond this machine (not 127.x or \
            ::1) without a token is refused. Requests must name this service in Host (an address, \
            localhost, or serve.external_url's host), and a change from a browser must come from \
            its own page or serve.allowed_origins, as JSON. SIGTERM or SIGINT stops it \
            cleanly: event stream clients are told, polling stops, deliveries in flight get \
            --shutdown-grace, and it exits 0.
            """
    )

    @Option(name: .long, help: "HOST:PORT to listen on (overrides serve.listen; port 0 picks a free one).")
    var listen: String?

    @OptionGroup var api: APIOverrides

    @Option(name: .long, help: ArgumentHelp("How often an idle event stream gets a ping comment.", visibility: .hidden))
    var ssePing: String = "15s"

    @Option(name: .long, help: ArgumentHelp("How many events a stream client may fall behind before it is dropped.", visibility: .hidden))
    var sseBuffer: Int = 1000

    @OptionGroup var options: ConfigOptions

    @OptionGroup var lockOptions: LockOptions

    @Option(name: .long, help: "How long requests and deliveries in flight get to finish when the service stops.")
    var shutdownGrace: String = "10s"

    /// The old name of --shutdown-grace (watch and replay's --drain-timeout waits for deliveries).
    @Option(name: .long, help: ArgumentHelp("Deprecated: --shutdown-grace.", visibility: .hidden))
    var drainTimeout: String?

    var grace: String { drainTimeout ?? shutdownGrace }

    @Option(
        name: .long, help: ArgumentHelp("How long a replica's hold on a watch lasts unrenewed (PostgreSQL state).", visibility: .hidden))
    var leaseTTL: String = "30s"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How long a delivery's claim outlives the channel's timeout: a replica that died mid-send leaves it that long.",
            visibility: .hidden))
    var claimGrace: String = "30s"

    @Flag(
        name: .long,
        help: "With PostgreSQL state: do not LISTEN for the other replicas' changes (for a pooler that cannot); look every second instead."
    )
    var noListen = false

    @Option(
        name: .long,
        help: ArgumentHelp("How long a connection may stay without a whole request head (its first or next).", visibility: .hidden))
    var idleTimeout: String = "15s"

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let listen, ListenAddress(listen) == nil { throw ValidationError("--listen \(ListenAddress.problem(listen))") }
        if DurationText.parse(grace) == nil && grace != "0" {
            throw ValidationError("--shutdown-grace '\(grace)' is not a duration (e.g. 0s, 10s, 1m)")
        }
        for (flag, value) in [("--lease-ttl", leaseTTL), ("--claim-grace", claimGrace), ("--idle-timeout", idleTimeout)]
        where DurationText.parse(value) == nil {
            throw ValidationError("\(flag) '\(value)' is not a duration (e.g. 30s, 1m)")
        }
        if DurationText.parse(ssePing).map({ $0 >= .milliseconds(10) }) != true {
            throw ValidationError("--sse-ping '\(ssePing)' is not a duration of at least 10ms")
        }
    }

    func run() async throws {
        logging.bootstrap()
        var config = try options.load(database: true)
        api.apply(to: &config)
        let address = listen.flatMap(ListenAddress.init) ?? config.serve.listen
        if !address.isLoopback && config.serve.tokens.isEmpty {
            printError(
                "tamwatch: serve on \(address) would answer anyone who can reach it; set serve.tokens "
                    + "(`tamwatch token` makes one) or listen on 127.0.0.1")
            throw Exit.configuration
        }
        for note in config.deprecations { printError("tamwatch: warning: \(note)") }
        let key = try apiKey(config)
        // A state file has one writer (a lock beside it); a database is shared by replicas, each
        // holding the watches it polls under a lease.
        var lock: StateFileLock?
        let store: any StateStore
        var postgres: PostgresStore?
        if let location = config.stateDatabase {
            do {
                let database = try await PostgresStore(location: location, logger: Logger(label: "tamwatch.postgres"))
                postgres = database
                store = database
            } catch {
                printError("tamwatch: \(error)")
                throw ExitCode(error.exitCode)
            }
        } else {
            lock = try await lockOptions.acquire(config.statePath, command: "tamwatch serve")
            store = try openStore(config.statePath)
        }
        defer {
            withExtendedLifetime(lock) {}
            postgres?.close()
        }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let client = OpenFunnelClient(baseURL: config.api.baseURL, apiKey: key, transport: transport, timeout: config.api.timeout)
        if drainTimeout != nil { printError("tamwatch: warning: serve's --drain-timeout is now --shutdown-grace; the old name goes soon") }
        var flags = ServeSetup.Flags()
        flags.listen = address
        flags.shutdownGrace = DurationText.parse(grace) ?? .zero
        flags.idleTimeout = DurationText.parse(idleTimeout) ?? .seconds(15)
        flags.pingInterval = DurationText.parse(ssePing) ?? .seconds(15)
        flags.streamBuffer = sseBuffer
        flags.leaseTTL = DurationText.parse(leaseTTL) ?? .seconds(30)
        flags.claimGrace = DurationText.parse(claimGrace) ?? .seconds(30)
        flags.listenForChanges = !noListen
        let overrides = api
        flags.adjust = { overrides.apply(to: &$0) }
        do {
            let setup: ServeSetup
            do {
                setup = try await ServeSetup.make(
                    config: config, store: store, shared: postgres, client: client, transport: transport, flags: flags)
            } catch let error as ConfigErrors {
                printConfigErrors(error)
                throw Exit.configuration
            }
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            let statePath = config.stateDatabase.map(\.description) ?? config.statePath
            try await setup.run { port in
                StandardStream.output.write("http://\(host):\(port)\n")
                printError("tamwatch serve: listening on http://\(host):\(port) (state: \(statePath))")
            }
        } catch let error as StoreError {
            printError("tamwatch: \(error)")
            throw ExitCode(error.exitCode)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("tamwatch: serve stopped: \(error)")
            throw ExitCode(1)
        }
    }
}
