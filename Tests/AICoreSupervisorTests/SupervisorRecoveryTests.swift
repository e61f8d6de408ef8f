import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreTestSupport
import Testing
@testable import AICoreSupervisor

/// How a restarted agent takes each instance on again, from its Store record and what the node
/// still runs.
@Suite struct SupervisorRecoveryTests {
    let driver = FakeTaskDriver()
    let identity = InstanceIdentity(id: "demo-api-1", stack: "demo", service: "api", replica: 1)

    func supervisor() throws -> Supervisor<FakeClock> {
        Supervisor(stack: Stack(name: "demo", services: [Service(name: "api")]), driver: driver, store: try SQLiteStore(inMemory: 100),
                   prober: FakeProbeExecutor(), clock: FakeClock(), layout: SupervisorLayout(root: "/nonexistent/aicore-test"),
                   jitter: .none)
    }

    func record(_ state: InstanceState) -> InstanceRecord {
        InstanceRecord(id: "demo-api-1", stack: "demo", service: "api", replica: 1, pid: 4242, state: state, restartCount: 2)
    }

    @Test func anInstanceWhoseStartTheLastAgentDidNotFinishIsStartedAgainWithoutCountingARestart() async throws {
        // The task was recorded, then the agent died before releasing its init: no process is
        // left, and no exit of a workload was recorded.
        driver.plant(id: "demo-api-1", pid: 4242)
        let (entry, snapshot) = try await supervisor().recover(identity, spec: TaskSpec(id: "demo-api-1", command: ["/bin/true"]),
                                                              record: record(.starting))
        guard case .start = entry else {
            Issue.record("expected a fresh start, got \(entry)")
            return
        }
        #expect(snapshot.restarts == 2, "the restarts counted so far are kept, and none is added")
    }

    @Test(arguments: [InstanceState.running, .starting])
    func anInstanceThatRanAndIsGoneExitedWhileTheAgentWasAway(recorded state: InstanceState) async throws {
        // Also when the Store still said starting: the workload ran, and its init recorded its exit.
        driver.plant(id: "demo-api-1", pid: 4242, exited: TaskExit(status: .exited(1), oomKilled: false, finishedAt: nil))
        let (entry, _) = try await supervisor().recover(identity, spec: TaskSpec(id: "demo-api-1", command: ["/bin/true"]),
                                                        record: record(state))
        guard case .exitedWhileAway = entry else {
            Issue.record("expected an exit while away, got \(entry)")
            return
        }
    }
}
