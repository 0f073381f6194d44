import Foundation
import Logging
import TamwatchConfig
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchWatch

/// Reads the configuration file again and applies what can change while running: rules,
/// templates, channels (a pending delivery goes out with its channel's new URL, secret and
/// limits; a removed channel's queue is dead-lettered), the guard and the watch defaults.
/// Every step that can fail (reading and checking the file, loading every template, building
/// every channel) comes before anything is replaced, and the swap is one step each for the
/// watcher and the dispatcher: a reload that fails leaves the running configuration whole.
/// What needs a restart (the listen address, the state, tokens, the API's address and key) is
/// reported and not applied.
public actor Reloader {
    /// What a reload did.
    public struct Report: Sendable, Equatable {
        /// What changed and was applied (`rules`, `channel ops: changed`, ...).
        public var changed: [String]
        /// Keys that changed but take effect only at the next start.
        public var needsRestart: [String]
        /// FNV-1a of the file's bytes, as `tamwatch_config_hash` shows it.
        public var hash: UInt64
    }

    public let file: String?
    private let environment: [String: String]
    /// The command line's overrides (`--api-url`, `--poll-interval`), applied to every reading.
    private let adjust: @Sendable (inout TamwatchConfig) -> Void
    private let transport: any Transport
    private let policy: WatchPolicy
    private let dispatcher: Dispatcher?
    private let logger: Logger
    /// Told of every reload's outcome: whether it worked, when, and the file's hash.
    private let observe: @Sendable (_ succeeded: Bool, _ at: Date, _ hash: UInt64, _ config: TamwatchConfig?) -> Void
    public private(set) var current: TamwatchConfig
    public private(set) var hash: UInt64

    public init(
        file: String?, current: TamwatchConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
        adjust: @escaping @Sendable (inout TamwatchConfig) -> Void = { _ in }, transport: any Transport, policy: WatchPolicy,
        dispatcher: Dispatcher?, logger: Logger = Logger(label: "tamwatch.reload"),
        observe: @escaping @Sendable (Bool, Date, UInt64, TamwatchConfig?) -> Void = { _, _, _, _ in }
    ) {
        self.file = file
        self.current = current
        self.environment = environment
        self.adjust = adjust
        self.transport = transport
        self.policy = policy
        self.dispatcher = dispatcher
        self.logger = logger
        self.observe = observe
        hash = file.flatMap { FileManager.default.contents(atPath: $0) }.map { StableHash.fnv1a64($0) } ?? 0
    }

    /// Reads the file again and applies it; throws its problems (each with file, line and key),
    /// the running configuration untouched.
    public func reload() async throws(ConfigErrors) -> Report {
        do {
            let report = try await apply()
            observe(true, Date(), report.hash, current)
            var said = report.changed.isEmpty ? "nothing changed" : "applied: " + report.changed.joined(separator: "; ")
            if !report.needsRestart.isEmpty { said += "; needs a restart, not applied: " + report.needsRestart.joined(separator: ", ") }
            logger.notice("configuration reloaded from \(file ?? "?"): \(said)")
            return report
        } catch {
            observe(false, Date(), hash, nil)
            logger.error("configuration not reloaded (the running one is kept): \(error.errors.map(\.description).joined(separator: "; "))")
            throw error
        }
    }

    private func apply() async throws(ConfigErrors) -> Report {
        guard let file else {
            throw ConfigErrors([
                ConfigError(file: "(none)", line: nil, key: "", message: "started without a configuration file: nothing to reload")
            ])
        }
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw ConfigErrors([ConfigError(file: file, line: nil, key: "", message: "cannot be read")])
        }
        var next = try ConfigLoader(environment: environment).load(path: file)
        adjust(&next)
        // Every fallible step before anything is replaced.
        let setup = try DeliverySetup.load(next, transport: transport)
        let report = Report(
            changed: Self.changes(from: current, to: next), needsRestart: Self.restartOnly(from: current, to: next),
            hash: StableHash.fnv1a64(bytes)
        )

        Redaction.install(Redaction.current.adding(Redactor(config: next).secretValues))
        // A restart-only key keeps its running value (the poll schedule is not one of them).
        var kept = next
        for key in Self.restartOnlyKeys { key.keep(&kept, current) }
        policy.replace(router: next.rules.isEmpty ? nil : setup.engine, settings: WatchSettings(config: kept))
        dispatcher?.replace(channels: setup.channels)
        current = kept
        hash = report.hash
        return report
    }

    /// What changed among the keys a reload applies.
    static func changes(from old: TamwatchConfig, to new: TamwatchConfig) -> [String] {
        var changed: [String] = []
        if "\(old.rules)" != "\(new.rules)" { changed.append("rules") }
        let before = Dictionary(old.channels.map { ($0.name, "\($0)") }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.channels.map { ($0.name, "\($0)") }, uniquingKeysWith: { a, _ in a })
        for name in Set(before.keys).union(after.keys).sorted() {
            switch (before[name], after[name]) {
            case (nil, _?): changed.append("channel \(name): added")
            case (_?, nil): changed.append("channel \(name): removed (its queue dead-lettered)")
            case (let a?, let b?) where a != b: changed.append("channel \(name): changed")
            default: break
            }
        }
        if old.templatesPath != new.templatesPath { changed.append("templates") }
        if "\(old.guard.maxCredits as Int?)|\(old.guard.warnAt)|\(old.guard.action)"
            != "\(new.guard.maxCredits as Int?)|\(new.guard.warnAt)|\(new.guard.action)"
        {
            changed.append("guard")
        }
        if "\(old.watch)" != "\(new.watch)" || old.api.pollInterval != new.api.pollInterval || old.results.top != new.results.top {
            changed.append("watch defaults")
        }
        return changed
    }

    /// A key read only at start: its name, whether it changed, and how its running value is
    /// kept (so that the next reload still reports it, until a restart).
    struct RestartOnlyKey {
        let name: String
        let differs: (TamwatchConfig, TamwatchConfig) -> Bool
        let keep: (inout TamwatchConfig, TamwatchConfig) -> Void

        init<T: Equatable>(_ name: String, _ path: WritableKeyPath<TamwatchConfig, T>) {
            self.name = name
            differs = { $0[keyPath: path] != $1[keyPath: path] }
            keep = { $0[keyPath: path] = $1[keyPath: path] }
        }
    }

    static var restartOnlyKeys: [RestartOnlyKey] {
        [
            .init("api.base_url", \.api.baseURL), .init("api.key", \.api.key), .init("api.timeout", \.api.timeout),
            .init("state", \.statePath), .init("state", \.stateDatabase), .init("state.retention", \.retention),
            .init("results", \.results.dir), .init("results", \.results.format), .init("guard.min_balance", \.guard.minBalance),
            .init("serve.listen", \.serve.listen), .init("serve.tokens", \.serve.tokens),
            .init("serve.external_url", \.serve.externalURL), .init("serve.allowed_origins", \.serve.allowedOrigins),
            .init("serve.max_connections", \.serve.maxConnections), .init("serve.max_watches", \.serve.maxWatches),
        ]
    }

    /// Keys that changed but are read only at start, each named once.
    static func restartOnly(from old: TamwatchConfig, to new: TamwatchConfig) -> [String] {
        var names: [String] = []
        for key in restartOnlyKeys where key.differs(old, new) && !names.contains(key.name) { names.append(key.name) }
        return names
    }
}
