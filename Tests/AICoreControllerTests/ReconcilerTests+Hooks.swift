import AICoreController
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import Synchronization
import Testing

/// A drain that notes, for each instance, the events (type: reason) it had when its drain began.
final class EventNotingDrain: TrafficDrain {
    let store: SQLiteStore
    let seen = Mutex<[String: [String]]>([:])

    init(store: SQLiteStore) { self.store = store }

    func drain(stack: String, instance: String, timeout: Duration) async {
        let reasons = (try? await store.events(instance: instance, limit: 50).map { "\($0.type): \($0.reason)" }) ?? []
        seen.withLock { $0[instance] = reasons }
    }
}

extension ReconcilerTests {
    /// Compose runs `pre_stop` before the stop; with a drain in between, it runs before the drain.
    @Test func aScaleDownRunsTheLeavingInstancesPreStopHooksBeforeItsDrain() async throws {
        let drain = EventNotingDrain(store: store)
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
        // The hooks had begun (and prepareToStop returns when they end; TaskRunnerTests shows it).
        #expect(seen["demo-api-2"]?.contains { $0.hasPrefix("stopping: Stopping: running 1 pre_stop hook(s)") } == true,
                "pre_stop before the drain: \(seen)")
        // The fake driver runs no process, so the hook fails: its event shows it ran, once.
        let failures = try await store.events(instance: "demo-api-2", limit: 50).filter { $0.type == "hook-failed" }
        #expect(failures.count == 1, "and not again at the stop")
        #expect(!running("demo-api-2") && running("demo-api-1"))
    }
}
