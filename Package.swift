// swift-tools-version:6.2
import PackageDescription

// Modules follow the data's way: the API's answers become events, events become deliveries,
// deliveries leave through libcurl. Each module depends only on those before it, so the
// compiler keeps the architecture (see docs/architecture.md).
let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")

let package = Package(
    name: "tamwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tamwatch", targets: ["tamwatch"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Traits off: the simulator needs neither swift-configuration nor full Foundation support.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Already in Hummingbird's graph; named for HTTPField.Name and Channel.localAddress.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Already in Hummingbird's graph; named for the HTTP parts serve's connection guard reads.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // HMAC-SHA256 for webhook signatures; already in Hummingbird's graph.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // Signals, cancellation and graceful shutdown for every command; already in Hummingbird's graph.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `tamwatch serve`'s /metrics: swift-metrics types over a Prometheus registry.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The state store on PostgreSQL, for several `serve` replicas on one database.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libcurl headers and link flags, from `pkg-config libcurl` (libcurl4-openssl-dev).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        // Typed, non-variadic wrappers: Swift cannot call curl_easy_setopt and friends.
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // The commit, date and Swift version a release build was made from (scripts/package).
        .target(name: "CBuildInfo"),

        // The data every stage passes on: JSON, events, the API's snapshots, watch state,
        // deliveries, clocks, redaction. No dependencies.
        .target(name: "TamwatchModel"),
        // The shipped templates and scenarios, carried in the binary (scripts/embed-shipped).
        .target(name: "TamwatchShipped"),
        // Every request and mail leaves through one libcurl multi handle.
        .target(name: "TamwatchHTTP", dependencies: ["CCurl", "CCurlShims", "TamwatchModel"]),
        // The YAML configuration, read and checked with file, line and key.
        .target(name: "TamwatchConfig", dependencies: ["TamwatchModel", "Yams"]),
        // The OpenFunnel API client.
        .target(name: "TamwatchOpenFunnel", dependencies: ["TamwatchModel", "TamwatchHTTP"]),
        // What the state store offers (protocols and records); SQLite implements it.
        .target(name: "TamwatchStore", dependencies: ["TamwatchModel"]),
        // Standard Webhooks signatures: the signer the webhook channel uses, the verifier receivers use.
        .target(
            name: "TamwatchSigning", dependencies: ["TamwatchModel", .product(name: "Crypto", package: "swift-crypto")]),
        // Every channel kind, one folder each (Slack/, Discord/, Webhook/, Email/, ...): its message
        // format and limits, its templates' escaping, how it is sent and how its answers read.
        .target(
            name: "TamwatchChannels",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchSigning",
                .product(name: "Mustache", package: "swift-mustache"),
            ]),
        // Rules and templates: events to rendered messages.
        .target(
            name: "TamwatchRules",
            dependencies: [
                "TamwatchModel", "TamwatchConfig", "TamwatchChannels", .product(name: "Mustache", package: "swift-mustache"),
            ]),
        // The SQLite (GRDB) state file.
        .target(
            name: "TamwatchSQLite",
            dependencies: [
                "TamwatchModel", "TamwatchStore", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // Polling, diffing and committing: snapshots to stored events and queued deliveries.
        .target(
            name: "TamwatchWatch",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchOpenFunnel", "TamwatchStore", log,
            ]),
        // A build's whole list, page by page, to CSV or NDJSON, resumably.
        .target(
            name: "TamwatchResults",
            dependencies: [
                "TamwatchModel", "TamwatchOpenFunnel", log, .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The same store on PostgreSQL (postgres-nio), shared by `serve` replicas.
        .target(
            name: "TamwatchPostgres",
            dependencies: [
                "TamwatchModel", "TamwatchStore", log, .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        // The dispatcher: queued deliveries to the receivers, through the channels.
        .target(
            name: "TamwatchDelivery",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchStore", "TamwatchChannels", log,
            ]),
        // The application around the pipeline, assembled once for every command: the dispatcher,
        // the watcher and its rules, the results export, and the reloader (SIGHUP) that replaces
        // the configuration-scoped part while it runs.
        .target(
            name: "TamwatchApp",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchOpenFunnel", "TamwatchStore", "TamwatchRules",
                "TamwatchWatch", "TamwatchDelivery", "TamwatchResults", "TamwatchChannels", "TamwatchShipped", log,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        // What a person at a terminal sees: event lines, progress, logs with secrets masked.
        .target(name: "TamwatchConsole", dependencies: ["TamwatchModel", "TamwatchRules", "TamwatchWatch", log]),
        // Hummingbird servers run in the background of a process (the simulator, the receiver).
        .target(name: "TamwatchHTTPServer", dependencies: [hummingbird, log]),
        // The OpenFunnel-compatible simulator, split out because Hummingbird is the heavy build.
        .target(
            name: "TamwatchSimulator",
            dependencies: [
                "TamwatchModel", "TamwatchShipped", "TamwatchHTTPServer", "Yams", hummingbird, httpTypes, nioCore, log,
            ]),
        // A webhook receiver that checks signatures (`tamwatch receive`, the demo, benchmarks).
        .target(
            name: "TamwatchReceiver",
            dependencies: [
                "TamwatchModel", "TamwatchSigning", "TamwatchHTTPServer", hummingbird, httpTypes, nioCore, log,
            ]),
        // The event stream's fan-out: committed events from the store's feed to each client's
        // bounded buffer, frames built once per filter. No HTTP in it.
        .target(name: "TamwatchHub", dependencies: ["TamwatchModel", "TamwatchStore", log, nioCore]),
        // Several `serve` replicas on one store: the watch leases each holds, evened out, and the
        // other replicas' changes heard. No HTTP in it.
        .target(
            name: "TamwatchReplicas",
            dependencies: [
                "TamwatchModel", "TamwatchStore", "TamwatchWatch", log,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // `tamwatch serve`: the HTTP API, the event stream, metrics and the status page over the
        // watcher and the dispatcher.
        .target(
            name: "TamwatchServe",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchOpenFunnel", "TamwatchStore", "TamwatchWatch",
                "TamwatchDelivery",
                "TamwatchApp", "TamwatchHub", "TamwatchReplicas", hummingbird, httpTypes, nioCore, log,
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // Compiled into the binary, so an installed tamwatch needs no files beside it.
            resources: [.embedInCode("Resources/status-page.html"), .embedInCode("Resources/openapi.yaml")]),
        // What the fuzz targets hold of every parser from outside (`scripts/fuzz`, libFuzzer).
        .target(
            name: "TamwatchFuzz",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchChannels", "TamwatchRules", "TamwatchShipped",
                "TamwatchWatch", "TamwatchResults",
            ]),
        .executableTarget(
            name: "tamwatch",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchOpenFunnel", "TamwatchStore", "TamwatchRules",
                "TamwatchSQLite", "TamwatchWatch", "TamwatchDelivery", "TamwatchConsole", "TamwatchSimulator",
                "TamwatchReceiver", "TamwatchHTTPServer", "TamwatchServe", "TamwatchResults", "TamwatchPostgres", "TamwatchApp",
                "TamwatchShipped", "CBuildInfo", .product(name: "ArgumentParser", package: "swift-argument-parser"), log,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // libFuzzer's driver around the fuzz targets (built with -sanitize=fuzzer by scripts/fuzz),
        // or, built as usual, a replay of saved inputs.
        .executableTarget(name: "tamwatch-fuzz", dependencies: ["TamwatchFuzz"]),
        .executableTarget(
            name: "tamwatch-bench",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchConfig", "TamwatchOpenFunnel", "TamwatchStore", "TamwatchRules",
                "TamwatchSQLite", "TamwatchWatch", "TamwatchDelivery", "TamwatchReceiver", "TamwatchTesting", "TamwatchPostgres",
                "TamwatchChannels",
                log,
            ]
        ),
        // Shared by the test targets: a hand-moved clock, waiting on changes, temporary folders, raw
        // servers, child processes.
        .target(name: "TamwatchTesting", dependencies: ["TamwatchModel", "TamwatchWatch", "TamwatchHTTPServer"]),
        // One test target per module, named after it; the end-to-end tests run the built binary.
        .testTarget(name: "TamwatchModelTests", dependencies: ["TamwatchModel", "TamwatchTesting", "TamwatchWatch"]),
        .testTarget(name: "TamwatchFuzzTests", dependencies: ["TamwatchFuzz", "TamwatchModel"]),
        .testTarget(
            name: "TamwatchHTTPTests",
            dependencies: [
                "TamwatchChannels", "TamwatchDelivery", "TamwatchHTTP", "TamwatchHTTPServer", "TamwatchModel", "TamwatchOpenFunnel",
                "TamwatchSimulator", "TamwatchTesting",
            ]),
        .testTarget(
            name: "TamwatchConfigTests",
            dependencies: [
                "TamwatchApp", "TamwatchConfig", "TamwatchDelivery", "TamwatchHTTP", "TamwatchModel", "TamwatchShipped", "TamwatchTesting",
            ]),
        .testTarget(name: "TamwatchOpenFunnelTests", dependencies: ["TamwatchHTTP", "TamwatchModel", "TamwatchOpenFunnel"]),
        .testTarget(name: "TamwatchSigningTests", dependencies: ["TamwatchModel", "TamwatchSigning"]),
        .testTarget(
            name: "TamwatchChannelsTests",
            dependencies: [
                "TamwatchChannels", "TamwatchConfig", "TamwatchDelivery", "TamwatchHTTP", "TamwatchModel", "TamwatchRules",
                "TamwatchShipped",
                "TamwatchTesting",
            ]),
        .testTarget(name: "TamwatchRulesTests", dependencies: ["TamwatchConfig", "TamwatchModel", "TamwatchRules", "TamwatchTesting"]),
        .testTarget(
            name: "TamwatchStoreTests",
            dependencies: [
                "TamwatchConfig", "TamwatchModel", "TamwatchPostgres", "TamwatchSQLite", "TamwatchStore", "TamwatchTesting",
                .product(name: "GRDB", package: "GRDB.swift"), log,
            ]),
        .testTarget(
            name: "TamwatchWatchTests",
            dependencies: [
                "TamwatchConfig", "TamwatchHTTP", "TamwatchHTTPServer", "TamwatchModel", "TamwatchOpenFunnel", "TamwatchRules",
                "TamwatchSQLite", "TamwatchSimulator", "TamwatchStore", "TamwatchTesting", "TamwatchWatch", log,
            ]),
        .testTarget(
            name: "TamwatchDeliveryTests",
            dependencies: [
                "TamwatchChannels", "TamwatchConfig", "TamwatchConsole", "TamwatchDelivery", "TamwatchHTTP", "TamwatchModel",
                "TamwatchOpenFunnel", "TamwatchRules", "TamwatchSQLite", "TamwatchSigning", "TamwatchStore", "TamwatchTesting",
                "TamwatchWatch", .product(name: "GRDB", package: "GRDB.swift"), log,
            ]),
        .testTarget(
            name: "TamwatchAppTests",
            dependencies: [
                "TamwatchApp", "TamwatchConfig", "TamwatchHTTP", "TamwatchModel", "TamwatchOpenFunnel", "TamwatchSQLite",
                "TamwatchRules", "TamwatchShipped", "TamwatchSimulator", "TamwatchTesting", "TamwatchWatch",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "TamwatchSimulatorTests", dependencies: ["TamwatchModel", "TamwatchSimulator", "TamwatchTesting"]),
        .testTarget(name: "TamwatchReplicasTests", dependencies: ["TamwatchReplicas", "TamwatchStore"]),
        .testTarget(
            name: "TamwatchServeTests",
            dependencies: [
                "TamwatchConfig", "TamwatchHTTP", "TamwatchHub", "TamwatchModel", "TamwatchOpenFunnel", "TamwatchSQLite", "TamwatchServe",
                "TamwatchSimulator", "TamwatchStore", "TamwatchTesting", httpTypes, hummingbird,
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(
            name: "TamwatchEndToEndTests",
            dependencies: [
                "TamwatchModel", "TamwatchHTTP", "TamwatchOpenFunnel", "TamwatchRules", "TamwatchSQLite", "TamwatchServe",
                "TamwatchResults", "TamwatchTesting", "tamwatch", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
