import AICoreRuntime
import AICoreSpec

/// When an instance's next check runs, and whether its runner must hear of a result.
///
/// Compose's healthcheck: `start_interval` during `start_period` until the first pass, then
/// `interval`, both from the end of the previous check. A Kubernetes probe: `period`.
///
/// The same rule drives the runner's own check loop and a healthcheck the driver repeats
/// (`TaskDriver.repeatRun`). There it also keeps steady passes quiet: the runner hears of every
/// failure and of the first pass after one at once, of further passes only every
/// `quietPassesReportedEvery`.
public struct CheckTiming: RepeatPolicy, Equatable {
    enum Rule: Equatable {
        case compose(interval: Duration, startInterval: Duration, startPeriod: Duration)
        case probe(period: Duration)
    }

    let rule: Rule
    /// nil: every result is reported.
    let quietPassesReportedEvery: Duration?
    private var everPassed = false
    private var lastPassed = false
    private var lastReport: Duration = .zero

    init(_ rule: Rule, quietPassesReportedEvery: Duration? = nil) {
        self.rule = rule
        self.quietPassesReportedEvery = quietPassesReportedEvery
    }

    /// A Compose healthcheck's; one resumed after an agent restart has no start period left.
    public static func healthcheck(_ check: Healthcheck, resumed: Bool = false,
                                   quietPassesReportedEvery: Duration? = nil) -> CheckTiming {
        CheckTiming(.compose(interval: check.interval, startInterval: check.startInterval,
                             startPeriod: resumed ? .zero : check.startPeriod),
                    quietPassesReportedEvery: quietPassesReportedEvery)
    }

    public static func probe(_ probe: Probe) -> CheckTiming {
        CheckTiming(.probe(period: probe.period))
    }

    /// Compose: before the first check, the first interval, shortened by up to 90 % with
    /// `jitter`, so that 500 instances started together do not check in the same instant every
    /// interval. (A probe's first check comes at the instance's start + `initial_delay`.)
    func firstAfter(jitter: Jitter) -> Duration {
        switch rule {
        case let .compose(interval, startInterval, startPeriod):
            jitter.earlier(startPeriod > .zero ? startInterval : interval, upTo: 0.9)
        case let .probe(period):
            period
        }
    }

    public mutating func next(afterRunThatPassed passed: Bool, elapsed: Duration) -> RepeatStep {
        if passed { everPassed = true }
        let after: Duration
        switch rule {
        case let .compose(interval, startInterval, startPeriod):
            after = !everPassed && elapsed < startPeriod ? startInterval : interval
        case let .probe(period):
            after = period
        }
        let quiet = quietPassesReportedEvery.map { every in passed && lastPassed && elapsed - lastReport < every } ?? false
        lastPassed = passed
        if !quiet { lastReport = elapsed }
        return RepeatStep(after: after, report: !quiet)
    }
}
