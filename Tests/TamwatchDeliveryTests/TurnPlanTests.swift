import Foundation
import Testing

@testable import TamwatchConfig
@testable import TamwatchDelivery
@testable import TamwatchStore

/// The dispatcher's turn decided from its state alone: no store, no clock.
@Suite("Dispatcher turn plan (pure)", .timeLimit(.minutes(5)))
struct TurnPlanTests {
    func hook(_ name: String = "hook", url: String = "https://example.com/hook", concurrency: Int = 2) -> ChannelConfig {
        var c = ChannelConfig(name: name, type: .webhook, url: url)
        c.concurrency = concurrency
        return c
    }

    func plan(_ configure: (inout TurnPlan.State) -> Void) -> TurnPlan {
        var state = TurnPlan.State(channels: ["hook": hook()], uptime: .seconds(100))
        configure(&state)
        return TurnPlan(state)
    }

    @Test("each channel claims its free slots and one round ahead, less what it holds")
    func slots() {
        #expect(plan { _ in }.wanted == [.init(channel: "hook", limit: 4)])
        #expect(plan { $0.inFlight = ["hook": 2] }.wanted == [.init(channel: "hook", limit: 2)])
        #expect(
            plan {
                $0.inFlight = ["hook": 1]; $0.ready = ["hook": 1]
            }.wanted == [.init(channel: "hook", limit: 2)])
        #expect(
            plan {
                $0.inFlight = ["hook": 2]; $0.ready = ["hook": 2]
            }.wanted.isEmpty, "full: nothing claimed")
        let two = plan { $0.channels = ["b": hook("b", concurrency: 1), "a": hook("a", concurrency: 3)] }
        #expect(two.wanted == [.init(channel: "a", limit: 6), .init(channel: "b", limit: 2)], "in name order")
        #expect(two.limits.isEmpty, "limits go with the claims only when the store shares them")
    }

    @Test("a disabled channel's queue goes dead with the reason; a changed URL enables it again")
    func disabled() {
        let off = DisabledChannel(channel: "hook", fingerprint: hook().fingerprint, reason: "HTTP 410 Gone", since: Date())
        let same = plan { $0.disabled = ["hook": off] }
        #expect(same.wanted.isEmpty && same.reenable.isEmpty)
        #expect(same.deadLetter == [.init(channel: "hook", reason: "channel disabled: HTTP 410 Gone")])
        let moved = plan {
            $0.disabled = ["hook": off]
            $0.channels = ["hook": hook(url: "https://example.com/new")]
        }
        #expect(moved.reenable == ["hook"] && moved.deadLetter.isEmpty && moved.wanted.count == 1)
    }

    @Test("a paused channel claims nothing until its pause ends, and the turn wakes for the earliest end")
    func paused() {
        let p = plan {
            $0.channels = ["a": hook("a"), "b": hook("b"), "c": hook("c")]
            $0.blockedUntil = ["a": .seconds(130), "b": .seconds(110), "c": .seconds(100)]
        }
        #expect(p.wanted.map(\.channel) == ["c"], "c's pause ended at this very uptime")
        #expect(p.unblocked == ["c"])
        #expect(p.wakeAt == .seconds(110))
    }

    @Test("a removed channel's queue goes dead even while stopping; stopping claims nothing")
    func retiredAndQuiescing() {
        let p = plan {
            $0.retired = ["old": "channel removed from the configuration"]
            $0.quiescing = true
        }
        #expect(p.wanted.isEmpty && p.limits.isEmpty)
        #expect(p.deadLetter == [.init(channel: "old", reason: "channel removed from the configuration")])
    }

    @Test("with a shared store each claim carries its channel's concurrency and rate")
    func sharedLimits() {
        let p = plan {
            var c = hook(concurrency: 3)
            c.rateLimit = RateLimit(count: 10, per: .seconds(1))
            $0.channels = ["hook": c]
            $0.sharedLimits = true
        }
        #expect(p.limits == ["hook": ChannelLimits(concurrency: 3, rateCount: 10, ratePer: 1)])
    }

    @Test("claims held are renewed once a third of the lease has gone, and only while something is held")
    func renewal() {
        let lease = Duration.seconds(60)
        #expect(!TurnPlan.renews(holding: true, lastRenewal: .seconds(100), uptime: .seconds(119), lease: lease))
        #expect(TurnPlan.renews(holding: true, lastRenewal: .seconds(100), uptime: .seconds(120), lease: lease))
        #expect(!TurnPlan.renews(holding: false, lastRenewal: .seconds(100), uptime: .seconds(200), lease: lease))
        #expect(!TurnPlan.renews(holding: true, lastRenewal: nil, uptime: .seconds(200), lease: lease), "a first claim counts as fresh")
    }
}
