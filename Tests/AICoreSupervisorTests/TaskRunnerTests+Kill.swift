import AICoreErrors
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreTestSupport
import Glibc
import Testing
@testable import AICoreSupervisor

/// `kill` of one instance follows Docker's rule: SIGKILL and the stop signal stop it for good;
/// any other signal is only sent, and an exit of it is the restart policy's to judge.
extension TaskRunnerTests {
    @Test func killWithSIGKILLStopsForGoodWhateverTheRestartPolicy() async throws {
        let runner = runner(RestartPolicy(condition: .always))
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        try await runner.deliver(signal: SIGKILL, name: "SIGKILL")
        await runner.finished()
        #expect(await runner.currentState == .exited)
        #expect(driver.started.count == 1, "not restarted")
        #expect(await runner.eventHistory.contains { $0.type == "killed" && $0.reason == "Sent SIGKILL (kill): stopped, not restarted until start or up" })
    }

    @Test func killWithAnotherSignalLeavesTheExitToTheRestartPolicy() async throws {
        let runner = runner(RestartPolicy(condition: .always))
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        // The fake's task ends of any signal but an ignored SIGTERM: as a workload dying of SIGHUP.
        try await runner.deliver(signal: SIGHUP, name: "SIGHUP")
        #expect(await eventually { await runner.currentState == .backoff })
        #expect(await clock.waitForSleepers(1))
        clock.advanceToNextDeadline()
        #expect(await eventually { driver.started.count == 2 }, "restart: always restarts it")
        await runner.stop()
    }
}
