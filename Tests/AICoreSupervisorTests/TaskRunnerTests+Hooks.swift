import AICoreRuntime
import AICoreSpec
import AICoreTestSupport
import Glibc
import Testing
@testable import AICoreSupervisor

/// Lifecycle hooks over the fake driver, which runs no process: a hook that cannot run.
extension TaskRunnerTests {
    func runner(postStart: [ServiceHook] = [], preStop: [ServiceHook] = []) -> TaskRunner<FakeClock> {
        var configuration = RunnerConfiguration(
            identity: InstanceIdentity(stack: "demo", service: "api", replica: 1),
            taskSpec: TaskSpec(id: "demo-api-1", command: ["/bin/true"]), restart: RestartPolicy(condition: .always),
            stopSignal: SIGTERM, stopGracePeriod: .seconds(10))
        configuration.postStart = postStart
        configuration.preStop = preStop
        return TaskRunner(configuration: configuration, driver: driver, prober: prober, clock: clock, store: nil, jitter: .none)
    }

    @Test func aPreStopHookThatCannotRunIsAnEventAndTheStopGoesOn() async throws {
        let runner = runner(preStop: [ServiceHook(command: ["/bin/flush", "--all"])])
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        await runner.stop()
        let failure = try #require(await reasons(runner, type: "hook-failed").first)
        #expect(failure.hasPrefix("pre_stop[0] `/bin/flush --all` failed (exit code 125): "), "\(failure)")
        #expect(failure.contains("the fake driver runs no processes"))
        #expect(await runner.eventHistory.map(\.type) == ["starting", "started", "stopping", "hook-failed", "stopping", "exited"])
        #expect(driver.signals.map(\.signal) == [SIGTERM])
        #expect(await runner.currentState == .exited)
    }

    @Test func aPostStartHookThatCannotRunIsAnEventAndTheInstanceKeepsRunning() async throws {
        let runner = runner(postStart: [ServiceHook(command: ["/bin/warm-up"])])
        await runner.run()
        try await waitUntil("hook failed") { await runner.eventHistory.contains { $0.type == "hook-failed" } }
        #expect(await reasons(runner, type: "hook-failed").first?.hasPrefix("post_start[0] `/bin/warm-up` failed (exit code 125): ") == true)
        let status = await runner.status
        #expect(status.state == .running && status.ready)
        #expect(driver.signals.isEmpty)
        await runner.stop()
    }

    @Test func aStopWithoutPreStopHooksSendsTheSignalAtOnce() async throws {
        let runner = runner()
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        await runner.stop()
        #expect(await runner.eventHistory.map(\.type) == ["starting", "started", "stopping", "exited"])
    }

    @Test func preStopHooksRunAheadOfTheStopOnceAndTheStopDoesNotRunThemAgain() async throws {
        let runner = runner(preStop: [ServiceHook(command: ["/bin/flush"])])
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        await runner.prepareToStop()
        #expect(await runner.eventHistory.map(\.type) == ["starting", "started", "stopping", "hook-failed"])
        #expect(driver.signals.isEmpty, "the hooks come before the stop signal, which waits for the drain")
        await runner.stop()
        #expect(await reasons(runner, type: "hook-failed").count == 1, "one run of the hooks per process")
        #expect(driver.signals.map(\.signal) == [SIGTERM])
    }
}
