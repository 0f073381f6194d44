import ArgumentParser
import Foundation
import Logging
import Synchronization
import TamwatchConfig
import TamwatchModel
import TamwatchReceiver

/// The demo's receiver side: a fresh secret, the config that points at it, and what arrived.
enum DemoReceiver {
    static func makeSecret() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// Every event but progress goes out as it happens; progress at most once per 2 s, the newest
    /// held-back one sent when the window closes, with the count of the others.
    static func config(receiverURL: String, secret: String) -> TamwatchConfig {
        var config = TamwatchConfig()
        config.api.pollInterval = .milliseconds(250)
        config.watch.maxPollInterval = .seconds(1)
        config.watch.milestones = .list([1000, 5000, 10000, 20000])
        var channel = ChannelConfig(name: "receiver", type: .webhook, url: receiverURL)
        channel.secrets = [secret]
        channel.retry = [.milliseconds(500), .seconds(1), .seconds(2)]
        // A person reads the receiver's lines: in the build's order, as a chat channel sends them.
        channel.ordered = true
        config.channels = [channel]
        let milestones = EventType.allCases.filter { $0 != .progress }.map(\.rawValue)
        config.rules = [
            RuleConfig(name: "events", on: milestones, matchers: [], to: ["receiver"]),
            RuleConfig(name: "progress", on: [EventType.progress.rawValue], matchers: [], to: ["receiver"], throttle: .seconds(2)),
        ]
        return config
    }

    final class Tally: Sendable {
        private let counts = Mutex((verified: 0, failed: 0, duplicates: 0))

        func add(_ r: ReceivedWebhook) {
            counts.withLock {
                if r.verified == true { $0.verified += 1 } else { $0.failed += 1 }
                if r.duplicate { $0.duplicates += 1 }
            }
        }

        var summary: String {
            counts.withLock { c in
                var s = "\(c.verified) with a valid signature"
                if c.failed > 0 { s += ", \(c.failed) with a bad one" }
                if c.duplicates > 0 { s += ", \(c.duplicates) repeated ids" }
                return s
            }
        }
    }
}
