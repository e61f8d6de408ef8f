import AICoreController
import AICoreStore
import Logging
import Testing
@testable import AICoreServer

/// The control plane over a fake node agent: no Store file, no process, no host read. What it
/// knows of the node (capacity, users) and does to it (start, stop, volumes, shutdown) goes
/// through the `NodeAgent` seam.
@Suite struct ControlPlaneTests {
    let agent: FakeNodeAgent
    let plane: ControlPlane
    let store: ObservedStore

    init() throws {
        agent = FakeNodeAgent(capacity: NodeCapacity(node: "local", cpus: 1, memoryBytes: 1 << 30),
                              users: ["app": .found(uid: 1001, gid: 1002)])
        store = ObservedStore(base: try SQLiteStore(inMemory: 1000), observer: StoreObserver())
        var configuration = AgentConfiguration.local("/nonexistent/aicore-control-plane-tests")
        configuration.networkDefaultMode = .host
        plane = ControlPlane(configuration: configuration, store: store, agent: agent,
                             planner: ReconcilePlanner(layout: LocalNode.layout(for: .local("/var/lib/aicore-test"))),
                             proxy: RecordingProxy(), logger: Logger(label: "aicore.test.plane"))
    }

    static let stack = """
    name: seam
    services:
      api:
        user: app
        command: ["/bin/sleep", "300"]
        volumes: [data:/data]
        deploy:
          replicas: 3
          resources:
            reservations: {cpus: "0.5"}
    volumes:
      data: {}

    """

    @Test func placesOnTheCapacityTheAgentReportsAndOwnsVolumesAsItResolvesTheUser() async throws {
        let (_, plan, _) = try await plane.apply(text: Self.stack, path: "/nonexistent/compose.yml", projectName: nil)
        #expect(plan.starts == ["seam-api-1", "seam-api-2"])
        #expect(plan.pending.keys.sorted() == ["seam-api-3"])
        #expect(plan.pending["seam-api-3"]?.hasPrefix("Insufficient cpu: requested 0.5") == true)
        await plane.settle("seam")
        #expect(await plane.operation("seam")?.phase == .done)
        #expect(agent.recorded.started == ["seam-api-1", "seam-api-2"])
        let created = agent.recorded.createdVolumes
        #expect(created.map(\.name) == ["data"])
        #expect(created.first?.uid == 1001 && created.first?.gid == 1002)
        // The pending replica is recorded with its reason: what `ps` shows.
        let pending = try await plane.instances(stack: "seam").filter { $0.state == .pending }
        #expect(pending.map(\.id) == ["seam-api-3"])
    }

    @Test func aUserTheNodeCannotResolveFailsTheApplyWithTheAgentsReason() async throws {
        let text = Self.stack.replacingOccurrences(of: "user: app", with: "user: nobody-here")
        do {
            _ = try await plane.apply(text: text, path: "/nonexistent/compose.yml", projectName: nil)
            await plane.settle("seam")
        } catch {
            #expect(error.message.contains("nobody-here"), "\(error.message)")
            return
        }
        let operation = await plane.operation("seam")
        #expect(operation?.phase == .failed)
        #expect(operation?.message?.contains("nobody-here") == true, "\(String(describing: operation))")
        #expect(agent.recorded.createdVolumes.isEmpty && agent.recorded.started.isEmpty)
    }

    @Test func statusComesFromTheAgentsRunnerAndStopAndShutdownGoThroughIt() async throws {
        _ = try await plane.apply(text: Self.stack, path: "/nonexistent/compose.yml", projectName: nil)
        await plane.settle("seam")
        // The fake runs nothing, so it writes no record: the one a runner would have written.
        try await store.saveInstance(InstanceRecord(id: "seam-api-1", stack: "seam", service: "api", replica: 1, state: .starting))
        agent.setLive("seam-api-1", InstanceLiveStatus(state: .healthy, pid: 4242, restartCount: 2, health: "healthy", ready: true))

        let shown = try await plane.instance("seam-api-1")
        #expect(shown.state == .healthy && shown.pid == 4242 && shown.restarts == 2 && shown.ready)
        #expect(agent.recorded.statusQueries.last.map { [$0.detail, $0.stats] } == [true, true])
        // Without a runner on the node, the Store's record is all there is.
        let pending = try await plane.instances(stack: "seam").first { $0.id == "seam-api-3" }
        #expect(pending?.state == .pending)

        #expect(try await plane.stop("seam", service: "api") == ["seam-api-1", "seam-api-2"])
        #expect(agent.recorded.stoppedKeeping == ["seam-api-1", "seam-api-2"])
        // The embedded agent's configuration (`.local`) stops its workloads on the way out.
        await plane.shutdown()
        #expect(plane.configuration.stopWorkloadsOnExit)
        #expect(agent.recorded.released == [true])
    }
}
