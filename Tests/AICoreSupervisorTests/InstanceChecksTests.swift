import AICoreSpec
import Testing
@testable import AICoreSupervisor

/// Every check result goes through its tracker here and comes out as what the runner does.
@Suite struct InstanceChecksTests {
    let exec = Probe.Action.exec(["true"])

    func record(_ checks: inout InstanceChecks, _ which: ProbeResult.Probe, passed: Bool, output: String = "",
                elapsed: Duration = .seconds(60)) -> InstanceChecks.Verdict {
        checks.record(which, ProbeOutcome(passed: passed, exitCode: passed ? 0 : 1, output: output),
                      start: "2026-12-06T00:00:00Z", end: "2026-12-06T00:00:01Z", elapsed: elapsed)
    }

    @Test func aHealthcheckIsStartingUntilItsFirstVerdictAndUnhealthyAfterItsRetries() {
        var checks = InstanceChecks(healthcheck: Healthcheck(test: .exec(["true"]), retries: 2), probes: ProbeSet(), restartsUnhealthy: false)
        #expect(checks.healthText == nil, "no verdict before a first start")
        checks.begin()
        #expect(checks.healthText == "starting")
        #expect(!checks.allPass)
        #expect(record(&checks, .healthcheck, passed: true) == .init(changed: "Healthcheck passed"))
        #expect(checks.healthText == "healthy")
        #expect(checks.allPass)
        #expect(record(&checks, .healthcheck, passed: false, output: "down") == .kept)
        #expect(record(&checks, .healthcheck, passed: false, output: "down") == .init(changed: "Healthcheck failed 2 times: down"))
        #expect(checks.healthText == "unhealthy")
    }

    @Test func anUnhealthyInstanceIsKilledWhenItRestartsUnhealthyOnes() {
        var checks = InstanceChecks(healthcheck: Healthcheck(test: .exec(["true"]), retries: 1), probes: ProbeSet(), restartsUnhealthy: true)
        checks.begin()
        let verdict = record(&checks, .healthcheck, passed: false)
        #expect(verdict.changed == "Healthcheck failed 1 time: exit code 1")
        #expect(verdict.kill == .init(kind: .unhealthy("Unhealthy: Healthcheck failed 1 time: exit code 1"),
                                      reason: "Restarting unhealthy instance: Healthcheck failed 1 time: exit code 1"))
    }

    @Test func failuresInTheStartPeriodDoNotCount() {
        var checks = InstanceChecks(healthcheck: Healthcheck(test: .exec(["true"]), retries: 1, startPeriod: .seconds(10)),
                                    probes: ProbeSet(), restartsUnhealthy: true)
        checks.begin()
        #expect(record(&checks, .healthcheck, passed: false, elapsed: .seconds(5)) == .kept)
        #expect(record(&checks, .healthcheck, passed: false, elapsed: .seconds(11)).kill != nil)
    }

    @Test func startupThenLivenessFailuresKillTheInstance() {
        var checks = InstanceChecks(healthcheck: nil, probes: ProbeSet(startup: Probe(action: exec, failureThreshold: 2),
                                                                          liveness: Probe(action: exec, failureThreshold: 1)),
                                    restartsUnhealthy: true)
        checks.begin()
        #expect(!checks.startupPassed)
        #expect(record(&checks, .startup, passed: true) == .init(note: "Startup probe passed"))
        #expect(checks.startupPassed)
        #expect(record(&checks, .liveness, passed: true) == .kept, "liveness starts out passing")
        #expect(record(&checks, .liveness, passed: false, output: "HTTP 500") ==
                .init(kill: .init(kind: .livenessFailed("Liveness probe failed: HTTP 500"), reason: "Liveness probe failed: HTTP 500")))

        checks.begin()
        #expect(record(&checks, .startup, passed: false) == .kept)
        #expect(record(&checks, .startup, passed: false, output: "refused").kill?.reason == "Startup probe failed: refused")
    }

    @Test func readinessNeedsItsSuccessThresholdAndFlipsBothWays() {
        var checks = InstanceChecks(healthcheck: nil, probes: ProbeSet(readiness: Probe(action: exec, successThreshold: 2, failureThreshold: 1)),
                                    restartsUnhealthy: true)
        checks.begin()
        #expect(checks.statuses == [.unknown])
        #expect(record(&checks, .readiness, passed: true) == .kept)
        #expect(record(&checks, .readiness, passed: true) == .init(changed: "Readiness probe passed"))
        #expect(checks.allPass)
        #expect(record(&checks, .readiness, passed: false, output: "503") == .init(changed: "Readiness probe failed: 503"))
        #expect(!checks.allPass)
    }

    @Test func resumedChecksStartFromTheirLastVerdictsWithoutTheStartupProbe() {
        var checks = InstanceChecks(healthcheck: Healthcheck(test: .exec(["true"]), startPeriod: .seconds(60)),
                                    probes: ProbeSet(startup: Probe(action: exec), readiness: Probe(action: exec)), restartsUnhealthy: true)
        checks.begin(resumed: ProbeSnapshot(health: "healthy", ready: true))
        #expect(checks.healthText == "healthy")
        #expect(checks.allPass)
        #expect(checks.startupPassed, "no startup probe again for a re-adopted process")
        // No start period left either: a failure counts at once.
        #expect(record(&checks, .healthcheck, passed: false, elapsed: .seconds(1)) == .kept)
        #expect(checks.health?.consecutiveFailures == 1)
        checks.end()
        #expect(checks.healthText == "starting")
        #expect(checks.statuses == [.unknown, .unknown])
    }

    @Test func theLogKeepsTheLastResultsOfEachCheck() {
        var checks = InstanceChecks(healthcheck: Healthcheck(test: .exec(["true"])), probes: ProbeSet(readiness: Probe(action: exec)),
                                    restartsUnhealthy: true)
        checks.begin()
        for i in 0..<(ProbeResult.kept + 2) { _ = record(&checks, .healthcheck, passed: true, output: "h\(i)") }
        _ = record(&checks, .readiness, passed: true, output: "r")
        #expect(checks.log.filter { $0.probe == .healthcheck }.map(\.output) == (2..<(ProbeResult.kept + 2)).map { "h\($0)" })
        #expect(checks.log.filter { $0.probe == .readiness }.map(\.output) == ["r"])
        let repeated = [ProbeResult(probe: .healthcheck, start: "a", end: "b", passed: false, exitCode: 1, output: "x")]
        #expect(checks.log(healthcheck: repeated).map(\.output) == ["r", "x"])
    }
}
