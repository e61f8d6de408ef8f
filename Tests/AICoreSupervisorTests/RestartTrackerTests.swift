import AICoreSpec
import AICoreTestSupport
import Testing
@testable import AICoreSupervisor

@Suite struct RestartTrackerTests {
    static let exitKinds: [ExitKind] = [
        .exited(code: 0), .exited(code: 1), .signaled(9), .oomKilled,
        .livenessFailed("Liveness probe failed: HTTP 500 on /health/live"),
        .unhealthy("Healthcheck failed 3 times"), .operatorStop,
        .startFailed(code: 127, message: "not found"),
    ]

    static func tracker(_ policy: RestartPolicy, clock: FakeClock = FakeClock()) -> RestartTracker<FakeClock> {
        RestartTracker(policy: policy, clock: clock, jitter: .none)
    }

    struct PolicyCase: Sendable, CustomStringConvertible {
        var condition: RestartPolicy.Condition
        var restarts: @Sendable (ExitKind) -> Bool
        var description: String { condition.rawValue }
    }

    @Test(arguments: [
        PolicyCase(condition: .no, restarts: { _ in false }),
        PolicyCase(condition: .always, restarts: { $0 != .operatorStop }),
        PolicyCase(condition: .unlessStopped, restarts: { $0 != .operatorStop }),
        PolicyCase(condition: .onFailure, restarts: { $0 != .operatorStop && $0 != .exited(code: 0) }),
    ], exitKinds)
    func policyTimesExitKind(_ policy: PolicyCase, _ exit: ExitKind) {
        var tracker = Self.tracker(RestartPolicy(condition: policy.condition))
        tracker.recordStart()
        let decision = tracker.decide(exit)
        if policy.restarts(exit) {
            #expect(decision.action == .restart(after: .seconds(1)), "\(policy) × \(exit): \(decision)")
            #expect(decision.reason.hasPrefix("Back-off 1s restarting"))
        } else {
            #expect(decision.action == .doNotRestart, "\(policy) × \(exit): \(decision)")
            #expect(decision.reason.hasPrefix("Not restarted"))
        }
    }

    @Test func failureReasonReadsLikeKubernetes() {
        var tracker = Self.tracker(RestartPolicy(condition: .always, delay: .seconds(10)))
        _ = tracker.decide(.exited(code: 1))
        #expect(tracker.decide(.exited(code: 1)).reason == "Back-off 20s restarting failed instance")
        #expect(tracker.decide(.exited(code: 0)).reason == "Back-off 40s restarting exited instance")
    }

    @Test func backoffDoublesToTheCap() {
        var tracker = Self.tracker(RestartPolicy(condition: .always, delay: .seconds(1)))
        var delays: [Duration] = []
        for _ in 0..<12 {
            guard case let .restart(after) = tracker.decide(.exited(code: 1)).action else {
                Issue.record("expected a restart")
                return
            }
            delays.append(after)
        }
        let expected: [Duration] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map { .seconds($0) }
        #expect(delays == expected)
        #expect(tracker.decide(.exited(code: 1)).reason == "Back-off 5m0s restarting failed instance")
    }

    @Test func jitterAddsAtMostTenPercentAndNeverPassesTheCap() {
        var tracker = RestartTracker(policy: RestartPolicy(condition: .always, delay: .seconds(10)),
                                     clock: FakeClock(), jitter: .fixed(0.5))
        #expect(tracker.decide(.exited(code: 1)).action == .restart(after: .seconds(10.5)))
        #expect(tracker.decide(.exited(code: 1)).action == .restart(after: .seconds(21)))
        for _ in 0..<10 { _ = tracker.decide(.exited(code: 1)) }
        #expect(tracker.decide(.exited(code: 1)).action == .restart(after: .seconds(300)))
    }

    @Test func zeroDelayHasAFloorSoAnInstantLoopNeverSpins() {
        var tracker = Self.tracker(RestartPolicy(condition: .always, delay: .zero))
        var total = Duration.zero
        var delays: [Duration] = []
        for _ in 0..<20 {
            guard case let .restart(after) = tracker.decide(.exited(code: 1)).action else { return }
            #expect(after >= RestartTracker<FakeClock>.minimumDelay)
            delays.append(after)
            total += after
        }
        #expect(delays.first == .milliseconds(1))
        #expect(delays[10] == .milliseconds(1024))
        #expect(delays.last == .seconds(300))
        // Twenty instant exits cost more than five minutes of waiting, not a spinning core.
        #expect(total > .seconds(300))
    }

    @Test func backoffResetsAfterTenMinutesOfStableRunning() {
        let clock = FakeClock()
        var tracker = Self.tracker(RestartPolicy(condition: .always, delay: .seconds(1)), clock: clock)
        for _ in 0..<5 {
            tracker.recordStart()
            clock.advance(by: .seconds(1))
            _ = tracker.decide(.exited(code: 1))
        }
        tracker.recordStart()
        clock.advance(by: .seconds(599))
        #expect(tracker.decide(.exited(code: 1)).action == .restart(after: .seconds(32)))
        tracker.recordStart()
        clock.advance(by: .seconds(600))
        #expect(tracker.decide(.exited(code: 1)).action == .restart(after: .seconds(1)))
        #expect(tracker.restarts == 7)
    }

    @Test(arguments: [RestartPolicy.Condition.always, .onFailure])
    func maxAttemptsSpendsTheBudget(_ condition: RestartPolicy.Condition) {
        var tracker = Self.tracker(RestartPolicy(condition: condition, maxAttempts: 3))
        for _ in 0..<3 {
            tracker.recordStart()
            guard case .restart = tracker.decide(.exited(code: 2)).action else {
                Issue.record("expected a restart")
                return
            }
        }
        let decision = tracker.decide(.exited(code: 2))
        #expect(decision.action == .failed)
        #expect(decision.reason == "Restart budget spent: 3 of max_attempts 3 used; last: Exited (code 2)")
    }

    @Test func composeOnFailureColonN() throws {
        let policy = try #require(RestartPolicy(composeText: "on-failure:2"))
        var tracker = Self.tracker(policy)
        _ = tracker.decide(.exited(code: 1))
        _ = tracker.decide(.exited(code: 1))
        #expect(tracker.decide(.exited(code: 1)).action == .failed)
    }

    @Test func windowForgetsOldAttempts() {
        let clock = FakeClock()
        var tracker = Self.tracker(RestartPolicy(condition: .always, maxAttempts: 2, window: .seconds(60)), clock: clock)
        _ = tracker.decide(.exited(code: 1))
        clock.advance(by: .seconds(30))
        _ = tracker.decide(.exited(code: 1))
        clock.advance(by: .seconds(10))
        let spent = tracker.decide(.exited(code: 1))
        #expect(spent.action == .failed)
        #expect(spent.reason.contains("within 1m0s"))
        // The first attempt leaves the window 60s after it was made.
        clock.advance(by: .seconds(20))
        #expect(tracker.decide(.exited(code: 1)).action == .restart(after: .seconds(4)))
    }

    @Test func snapshotRestoresCountsAcrossAnAgentRestart() {
        let policy = RestartPolicy(condition: .always, maxAttempts: 3)
        var first = Self.tracker(policy)
        _ = first.decide(.exited(code: 1))
        _ = first.decide(.exited(code: 1))
        var second = RestartTracker(policy: policy, clock: FakeClock(), jitter: .none, restoring: first.snapshot)
        #expect(second.decide(.exited(code: 1)).action == .restart(after: .seconds(4)))
        #expect(second.decide(.exited(code: 1)).action == .failed)
    }

    @Test func snapshotKeepsTheWindowAcrossAnAgentRestart() {
        let policy = RestartPolicy(condition: .always, maxAttempts: 2, window: .seconds(60))
        let clock = FakeClock()
        var first = Self.tracker(policy, clock: clock)
        _ = first.decide(.exited(code: 1))
        clock.advance(by: .seconds(30))
        _ = first.decide(.exited(code: 1))
        clock.advance(by: .seconds(10))
        #expect(first.snapshot.attemptAges == [.seconds(40), .seconds(10)])
        // A new agent (a clock with another origin) still sees both attempts in the window.
        let later = FakeClock()
        var second = RestartTracker(policy: policy, clock: later, jitter: .none, restoring: first.snapshot)
        #expect(second.decide(.exited(code: 1)).action == .failed)
        // The older one leaves the window 60s after it was made, as without the restart.
        later.advance(by: .seconds(20))
        #expect(second.decide(.exited(code: 1)).action == .restart(after: .seconds(4)))
        // Attempts already out of the window are not restored.
        let stale = RestartTracker(policy: policy, clock: FakeClock(), jitter: .none,
                                   restoring: .init(restarts: 2, consecutive: 2, attemptAges: [.seconds(90), .seconds(61)]))
        #expect(stale.snapshot.attemptAges.isEmpty)
    }

    @Test(arguments: [
        (Duration.milliseconds(1), "1ms"), (.milliseconds(500), "500ms"), (.seconds(1), "1s"),
        (.milliseconds(1500), "1.5s"), (.seconds(20), "20s"), (.seconds(300), "5m0s"), (.seconds(61), "1m1s"),
    ])
    func durationText(_ duration: Duration, _ text: String) {
        #expect(DurationText.format(duration) == text)
    }
}
