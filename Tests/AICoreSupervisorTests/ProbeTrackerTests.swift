import Testing
@testable import AICoreSupervisor

@Suite struct ProbeTrackerTests {
    @Test(arguments: [1, 2, 3])
    func failureThresholdFlipsAfterThatManyFailuresInARow(_ threshold: Int) {
        var tracker = ProbeTracker(successThreshold: 1, failureThreshold: threshold, initial: .passing)
        for _ in 1..<threshold { #expect(tracker.record(passed: false) == nil) }
        #expect(tracker.record(passed: false) == .failing)
        #expect(tracker.record(passed: false) == nil)
    }

    @Test func aSuccessBreaksTheRun() {
        var tracker = ProbeTracker(successThreshold: 1, failureThreshold: 3, initial: .passing)
        _ = tracker.record(passed: false)
        _ = tracker.record(passed: false)
        _ = tracker.record(passed: true)
        #expect(tracker.record(passed: false) == nil)
        #expect(tracker.record(passed: false) == nil)
        #expect(tracker.record(passed: false) == .failing)
    }

    @Test func successThresholdNeedsThatManyInARow() {
        var tracker = ProbeTracker(successThreshold: 3, failureThreshold: 1)
        #expect(tracker.status == .unknown)
        #expect(tracker.record(passed: true) == nil)
        #expect(tracker.record(passed: true) == nil)
        #expect(tracker.record(passed: true) == .passing)
        #expect(tracker.record(passed: false) == .failing)
        #expect(tracker.record(passed: true) == nil)
    }

    @Test func composeStartPeriodIgnoresFailuresUntilItEnds() {
        var tracker = ProbeTracker(successThreshold: 1, failureThreshold: 2, gracePeriod: .seconds(10))
        for second in [1, 3, 5, 7, 9] { #expect(tracker.record(passed: false, elapsed: .seconds(second)) == nil) }
        #expect(tracker.status == .unknown)
        #expect(tracker.record(passed: false, elapsed: .seconds(11)) == nil)
        #expect(tracker.record(passed: false, elapsed: .seconds(12)) == .failing)
    }

    @Test func aSuccessEndsTheStartPeriodEarly() {
        var tracker = ProbeTracker(successThreshold: 1, failureThreshold: 1, gracePeriod: .seconds(60))
        #expect(tracker.record(passed: true, elapsed: .seconds(1)) == .passing)
        #expect(tracker.record(passed: false, elapsed: .seconds(2)) == .failing)
    }

    @Test(arguments: [0, -1])
    func thresholdsBelowOneMeanOne(_ value: Int) {
        var tracker = ProbeTracker(successThreshold: value, failureThreshold: value)
        #expect(tracker.record(passed: true) == .passing)
        #expect(tracker.record(passed: false) == .failing)
    }
}
