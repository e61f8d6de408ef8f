import AICoreErrors
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreTestSupport
import Glibc
import Testing
@testable import AICoreSupervisor

/// `pause` and `unpause` of one instance: a paused instance is not a failed one.
extension TaskRunnerTests {
    @Test func aPausedInstanceIsFrozenUnreadyAndNeitherProbedNorRestarted() async throws {
        prober.answer("http-get", ProbeOutcome(passed: true, output: "HTTP 200"))
        let liveness = Probe(action: .httpGet(path: "/live", port: nil, headers: [:]), period: .seconds(5), failureThreshold: 1)
        let readiness = Probe(action: .httpGet(path: "/ready", port: nil, headers: [:]), period: .seconds(5))
        let runner = runner(RestartPolicy(condition: .always), probes: ProbeSet(liveness: liveness, readiness: readiness))
        await runner.run()
        #expect(await clock.waitForSleepers(1))
        clock.advanceToNextDeadline()
        #expect(await eventually { await runner.status.ready })
        let pid = try #require(driver.runningPid("demo-api-1"))

        try await runner.pause()
        #expect(driver.isFrozen(pid: pid))
        #expect(await runner.currentState == .paused)
        #expect(await runner.status.ready == false)
        // The probes stopped: a failing liveness probe now would restart it; nothing runs it.
        prober.answer("http-get", ProbeOutcome(passed: false, output: "HTTP 500"))
        let probed = await runner.status.probeLog.count
        clock.advance(by: .seconds(60))
        #expect(await runner.status.probeLog.count == probed)
        #expect(await runner.currentState == .paused)
        #expect(driver.started.count == 1 && driver.signals.isEmpty, "not restarted, not signalled")
        await #expect(throws: AICoreError.self) { try await runner.pause() }

        prober.answer("http-get", ProbeOutcome(passed: true, output: "HTTP 200"))
        try await runner.unpause()
        #expect(!driver.isFrozen(pid: pid))
        #expect(await runner.currentState != .paused)
        #expect(await runner.status.ready, "the checks resume from their verdicts before the pause")
        await #expect(throws: AICoreError.self) { try await runner.unpause() }
        #expect(await runner.eventHistory.map(\.type).suffix(3).contains("unpaused"))
        await runner.stop()
        #expect(await runner.currentState == .exited)
    }

    @Test func stoppingAPausedInstanceThawsItFirst() async throws {
        let runner = runner(RestartPolicy(condition: .always))
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        let pid = try #require(driver.runningPid("demo-api-1"))
        try await runner.pause()
        await runner.stop()
        #expect(!driver.isFrozen(pid: pid))
        #expect(driver.signals.map(\.signal) == [SIGTERM])
        #expect(await runner.currentState == .exited)
        #expect(driver.started.count == 1)
    }
}
