// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "tamwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tamwatch", targets: ["tamwatch"]),
        .library(name: "TamwatchCore", targets: ["TamwatchCore"]),
        .library(name: "TamwatchSimulator", targets: ["TamwatchSimulator"]),
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
        // HMAC-SHA256 for webhook signatures; already in Hummingbird's graph.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
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
        // Everything but the simulator's HTTP server: transport, API client, watcher, store, config.
        .target(
            name: "TamwatchCore",
            dependencies: [
                "CCurl", "CCurlShims",
                .product(name: "Logging", package: "swift-log"),
                "Yams",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The OpenFunnel-compatible simulator (Hummingbird), split out because it is the heavy build.
        .target(
            name: "TamwatchSimulator",
            dependencies: [
                "TamwatchCore", "Yams",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "tamwatch",
            dependencies: [
                "TamwatchCore", "TamwatchSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "tamwatch-bench",
            dependencies: ["TamwatchCore", "TamwatchSimulator", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "TamwatchCoreTests",
            // GRDB: the store tests look at (and damage) state files below the store's API.
            dependencies: ["TamwatchCore", "TamwatchSimulator", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "TamwatchEndToEndTests",
            dependencies: ["TamwatchCore", "TamwatchSimulator", "tamwatch"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
