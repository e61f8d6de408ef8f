import AICoreRuntime
import AICoreSpec
import Testing
@testable import AICoreSupervisor

/// When checks run and which results a runner hears of: the same rule for the runner's own
/// loop and for a healthcheck the driver repeats.
@Suite struct CheckTimingTests {
    let check = Healthcheck(test: .exec(["true"]), interval: .seconds(30), startPeriod: .seconds(10), startInterval: .seconds(1))

    @Test func composeUsesTheStartIntervalDuringTheStartPeriodUntilTheFirstPass() {
        var timing = CheckTiming.healthcheck(check)
        #expect(timing.next(afterRunThatPassed: false, elapsed: .seconds(1)).after == .seconds(1))
        #expect(timing.next(afterRunThatPassed: false, elapsed: .seconds(2)).after == .seconds(1))
        // The first pass ends the start period for good.
        #expect(timing.next(afterRunThatPassed: true, elapsed: .seconds(3)).after == .seconds(30))
        #expect(timing.next(afterRunThatPassed: false, elapsed: .seconds(4)).after == .seconds(30))
    }

    @Test func composeUsesTheIntervalOnceTheStartPeriodIsOverWithoutAPass() {
        var timing = CheckTiming.healthcheck(check)
        #expect(timing.next(afterRunThatPassed: false, elapsed: .seconds(9)).after == .seconds(1))
        #expect(timing.next(afterRunThatPassed: false, elapsed: .seconds(10)).after == .seconds(30))
    }

    @Test func aResumedHealthcheckHasNoStartPeriodLeft() {
        var timing = CheckTiming.healthcheck(check, resumed: true)
        #expect(timing.firstAfter(jitter: .none) == .seconds(30))
        #expect(timing.next(afterRunThatPassed: false, elapsed: .seconds(1)).after == .seconds(30))
    }

    @Test func theFirstHealthcheckComesWithinTheFirstIntervalSpreadByTheJitter() {
        let timing = CheckTiming.healthcheck(check)
        #expect(timing.firstAfter(jitter: .none) == .seconds(1))
        // The draw 0.5 of "up to 90 % earlier": 45 % earlier.
        #expect(timing.firstAfter(jitter: .fixed(0.5)) == .milliseconds(550))
        let noStartPeriod = Healthcheck(test: .exec(["true"]), interval: .seconds(10))
        #expect(CheckTiming.healthcheck(noStartPeriod).firstAfter(jitter: .fixed(1)) == .seconds(1))
    }

    @Test func aProbeRunsEveryPeriodWhateverItsResults() {
        var timing = CheckTiming.probe(Probe(action: .tcpSocket(port: 80), period: .seconds(3)))
        for passed in [false, true, true, false] {
            #expect(timing.next(afterRunThatPassed: passed, elapsed: .seconds(1)) == RepeatStep(after: .seconds(3), report: true))
        }
    }

    @Test func withoutQuietPassesEveryResultIsReported() {
        var timing = CheckTiming.healthcheck(check)
        for passed in [true, true, false, true, true] {
            #expect(timing.next(afterRunThatPassed: passed, elapsed: .seconds(20)).report)
        }
    }

    @Test func quietPassesAreReportedOnlyEveryPeriodButFailuresAndRecoveriesAtOnce() {
        var timing = CheckTiming.healthcheck(check, quietPassesReportedEvery: .seconds(60))
        func report(_ passed: Bool, at seconds: Int64) -> Bool {
            timing.next(afterRunThatPassed: passed, elapsed: .seconds(seconds)).report
        }
        #expect(report(true, at: 1), "the first pass")
        #expect(!report(true, at: 31))
        #expect(!report(true, at: 60))
        #expect(report(true, at: 61), "a steady pass, 60 s after the last report")
        #expect(!report(true, at: 91))
        #expect(report(false, at: 100), "a failure")
        #expect(report(false, at: 101), "every failure")
        #expect(report(true, at: 102), "the pass that ends them")
        #expect(!report(true, at: 103))
    }
}
