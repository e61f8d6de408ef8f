import AICoreController
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreTestSupport
import Synchronization
import Testing

/// A drain that notes, for each instance, the state its runner was in when its drain began.
final class StateNotingDrain: TrafficDrain {
    let agent: LocalNodeAgent<FakeClock>
    let seen = Mutex<[String: InstanceState]>([:])

    init(agent: LocalNodeAgent<FakeClock>) { self.agent = agent }

    func drain(stack: String, instance: String, timeout: Duration) async {
        guard let state = await agent.status(stack: stack, instance: instance, detail: false, stats: false)?.state else { return }
        seen.withLock { $0[instance] = state }
    }
}

extension ReconcilerTests {
    /// Compose runs `pre_stop` before the stop; with a drain in between, it runs before the drain.
    @Test func aScaleDownRunsTheLeavingInstancesPreStopHooksBeforeItsDrain() async throws {
        let drain = StateNotingDrain(agent: agent)
        let reconciler = Reconciler(store: store, agent: agent, vips: VIPAllocator(store: store),
                                    planner: Fixtures.planner(layout: SupervisorLayout(root: root)), clock: clock,
                                    gateTimeout: .seconds(600), drain: drain)
        var service = Fixtures.service("api", replicas: 2)
        service.preStop = [ServiceHook(command: ["/bin/flush"])]
        _ = try await reconciler.apply(Fixtures.stack(service))
        service.deploy.replicas = 1
        _ = try await reconciler.apply(Fixtures.stack(service))

        let seen = drain.seen.withLock { $0 }
        #expect(Array(seen.keys) == ["demo-api-2"], "\(seen)")
        // Stopping, with no signal sent yet: prepareToStop ran the hooks (it returns when they
        // end; TaskRunnerTests shows it) and left it out of rotation for the drain.
        #expect(seen == ["demo-api-2": InstanceState.stopping], "pre_stop before the drain: \(seen)")
        // The fake driver runs no process, so the hook fails: its event shows it ran, once.
        let failures = try await store.events(instance: "demo-api-2", limit: 50).filter { $0.type == "hook-failed" }
        #expect(failures.count == 1, "and not again at the stop")
        #expect(!running("demo-api-2") && running("demo-api-1"))
    }
}
