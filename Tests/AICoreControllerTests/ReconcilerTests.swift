import AICoreErrors
import AICoreController
import AICoreOS
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreSystem
import AICoreTestSupport
import Foundation
import Synchronization
import Testing

/// The node capacity a test changes while the agent reads it.
final class NodeCapacityBox: Sendable {
    private let state = Mutex(Fixtures.node())
    var value: NodeCapacity {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// The Reconciler over the in-process node agent, a fake driver, fake probes and a fake clock:
/// plans carried out for real, processes not.
@Suite struct ReconcilerTests {
    let clock = FakeClock()
    let driver = FakeTaskDriver()
    let prober = FakeProbeExecutor()
    let store: SQLiteStore
    let root: String
    let capacity = NodeCapacityBox()
    let agent: LocalNodeAgent<FakeClock>
    let reconciler: Reconciler<FakeClock>

    init() throws {
        store = try SQLiteStore(inMemory: 1000)
        // Created only by tests that make volumes (and removed by them).
        root = "/tmp/aicore-ctl-rec-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let layout = SupervisorLayout(root: root)
        let capacity = self.capacity
        let owner: (uid: UInt32, gid: UInt32) = getuid() == 0 ? (4242, 4343) : (getuid(), getgid())
        agent = LocalNodeAgent(driver: driver, store: store, prober: prober, clock: clock, layout: layout, jitter: .none,
                               capacity: { capacity.value }, users: { try Fixtures.lookUp($0, postgres: owner) })
        reconciler = Reconciler(store: store, agent: agent, vips: VIPAllocator(store: store),
                                planner: Fixtures.planner(layout: layout), clock: clock,
                                gateTimeout: .seconds(600))
    }

    func running(_ id: String) -> Bool { driver.runningPid(id) != nil }
    var startedIDs: [String] { driver.started.map(\.id) }

    /// Applies in the background: gates make `apply` wait for what the test does next.
    func applyInBackground(_ stack: Stack) -> Task<ReconcilePlan, any Error> {
        let reconciler = self.reconciler
        return Task { try await reconciler.apply(stack) }
    }

    @Test func serviceStartedWaitsForTheDependencyToRun() async throws {
        let stack = Fixtures.stack(Fixtures.service("db"), Fixtures.service("api", dependsOn: [ServiceDependency(service: "db")]))
        let plan = try await reconciler.apply(stack)
        #expect(plan.starts == ["demo-db-1", "demo-api-1"])
        #expect(startedIDs == ["demo-db-1", "demo-api-1"])
    }

    @Test func serviceHealthyHoldsDependentsUntilEveryInstanceIsReady() async throws {
        let check = Healthcheck(test: .exec(["true"]), interval: .seconds(5), timeout: .seconds(1), retries: 1, startInterval: .seconds(5))
        let stack = Fixtures.stack(
            Fixtures.service("db", replicas: 2, healthcheck: check),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "db", condition: .serviceHealthy)]))
        prober.answer("exec", ProbeOutcome(passed: false, output: "not yet"))
        let apply = applyInBackground(stack)
        #expect(await eventually { running("demo-db-1") && running("demo-db-2") })
        // Checks fail: the dependent is held.
        for _ in 0..<3 {
            #expect(await clock.waitForSleepers(3))
            clock.advance(by: .seconds(5))
        }
        #expect(!startedIDs.contains("demo-api-1"))
        prober.answer("exec", ProbeOutcome(passed: true, output: "ok"))
        #expect(await eventually {
            clock.advance(by: .seconds(5))
            return running("demo-api-1")
        })
        let plan = try await apply.value
        #expect(plan.starts == ["demo-db-1", "demo-db-2", "demo-api-1"])
        #expect(startedIDs.last == "demo-api-1")
    }

    @Test func serviceCompletedSuccessfullyWaitsForTheOneShotToExitZero() async throws {
        let stack = Fixtures.stack(
            Fixtures.service("migrate"),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "migrate", condition: .serviceCompletedSuccessfully)]))
        let apply = applyInBackground(stack)
        #expect(await eventually { running("demo-migrate-1") })
        #expect(!startedIDs.contains("demo-api-1"))
        driver.exit("demo-migrate-1", .exited(0))
        _ = try await apply.value
        #expect(startedIDs == ["demo-migrate-1", "demo-api-1"])
    }

    @Test func aOneShotThatFailsStopsTheApplyWithTheReason() async throws {
        let stack = Fixtures.stack(
            Fixtures.service("migrate"),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "migrate", condition: .serviceCompletedSuccessfully)]))
        let apply = applyInBackground(stack)
        #expect(await eventually { running("demo-migrate-1") })
        driver.exit("demo-migrate-1", .exited(3))
        let error = await #expect(throws: AICoreError.self) { try await apply.value }
        #expect(error?.code == .dependencyFailed)
        #expect(error?.message == "api waits for migrate: service_completed_successfully: demo-migrate-1 did not complete successfully: Exited (code 3)")
        #expect(!startedIDs.contains("demo-api-1"))
    }

    @Test func aDependencyThatIsNotRequiredDoesNotBlock() async throws {
        let check = Healthcheck(test: .exec(["true"]), interval: .seconds(5), retries: 1)
        prober.answer("exec", ProbeOutcome(passed: false, output: "down"))
        let stack = Fixtures.stack(
            Fixtures.service("cache", healthcheck: check),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "cache", condition: .serviceHealthy, required: false)]))
        _ = try await reconciler.apply(stack)
        #expect(startedIDs == ["demo-cache-1", "demo-api-1"])
        #expect(await reconciler.notes == ["api waits for cache: service_healthy (not required): demo-cache-1 not yet service_healthy; starting api anyway"])
    }

    @Test func aGateThatNeverOpensTimesOutOnTheInjectedClock() async throws {
        let check = Healthcheck(test: .exec(["true"]), interval: .seconds(1000), retries: 1, startInterval: .seconds(1000))
        let stack = Fixtures.stack(
            Fixtures.service("db", healthcheck: check),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "db", condition: .serviceHealthy)]))
        let apply = applyInBackground(stack)
        #expect(await eventually { running("demo-db-1") && clock.sleeperCount >= 2 })
        clock.advance(by: .seconds(600))
        let error = await #expect(throws: AICoreError.self) { try await apply.value }
        #expect(error?.code == .timeout)
    }

    @Test func scaleThreeToFiveToTwo() async throws {
        var stack = Fixtures.stack(Fixtures.service("api", replicas: 3))
        try await reconciler.apply(stack)
        stack.services[0].deploy.replicas = 5
        #expect(try await reconciler.apply(stack).starts == ["demo-api-4", "demo-api-5"])
        stack.services[0].deploy.replicas = 2
        #expect(try await reconciler.apply(stack).stops == ["demo-api-5", "demo-api-4", "demo-api-3"])
        #expect(try await store.instances(stack: "demo").map(\.id) == ["demo-api-1", "demo-api-2"])
        #expect((1...5).map { running("demo-api-\($0)") } == [true, true, false, false, false])
        #expect(try await store.services(stack: "demo").map(\.replicas) == [2])
    }

    @Test func reapplyingAnUnchangedStackDoesNothing() async throws {
        let stack = Fixtures.stack(Fixtures.service("db"), Fixtures.service("api", replicas: 2, dependsOn: [ServiceDependency(service: "db")]))
        try await reconciler.apply(stack)
        let before = driver.started
        let again = try await reconciler.apply(stack)
        #expect(again.isNoOp)
        #expect(driver.started == before)
        #expect(driver.signals.isEmpty)
        #expect(try await store.stack(named: "demo")?.currentRevision == 1)
    }

    @Test func anInstanceWithoutRoomIsPendingInTheStoreWithItsReason() async throws {
        capacity.value = Fixtures.node(cpus: 1.2)
        let stack = Fixtures.stack(Fixtures.service("api", replicas: 3, cpus: 0.5))
        let plan = try await reconciler.apply(stack)
        #expect(plan.pending == ["demo-api-3": "Insufficient cpu: requested 0.5, 0.2 free"])
        let record = try #require(try await store.instance(id: "demo-api-3"))
        #expect(record.state == .pending && record.statusReason == "Insufficient cpu: requested 0.5, 0.2 free")
        #expect(try await store.events(instance: "demo-api-3", limit: 5).map(\.type) == ["pending"])
        #expect(!running("demo-api-3"))
        #expect(try await reconciler.apply(stack).isNoOp)
        capacity.value = Fixtures.node(cpus: 2)
        #expect(try await reconciler.apply(stack).starts == ["demo-api-3"])
        #expect(await eventually { running("demo-api-3") })
    }

    @Test func instancesGetTheirServiceVIPAndEveryServiceNameInEtcHosts() async throws {
        let stack = Fixtures.stack(Fixtures.service("db"), Fixtures.service("api"))
        try await reconciler.apply(stack)
        let supervisor = try #require(await agent.supervisor(stack: "demo"))
        #expect(await supervisor.runner("demo-db-1") != nil)
        let vips = try await VIPAllocator(store: store).vips(stack: "demo").mapValues(\.description)
        #expect(vips == ["api": "127.0.1.2", "db": "127.0.1.3"])
        try await reconciler.down(stack: "demo")
        #expect(try await store.vips().isEmpty)
        // Up again: the lowest free addresses, the same ones.
        try await reconciler.apply(stack)
        #expect(try await VIPAllocator(store: store).vips(stack: "demo").mapValues(\.description) == vips)
    }

    @Test func namedVolumesAreOwnedByTheServiceUserAndSurviveDownUnlessDashV() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let mount = VolumeMount(kind: .volume, source: "pgdata", target: "/var/lib/postgresql/data")
        let stack = Fixtures.stack(Fixtures.service("postgres", volumes: [mount], user: "postgres"), volumes: ["pgdata"])
        try await reconciler.apply(stack)
        let path = root + "/volumes/demo_pgdata"
        let owner = try #require(FileIO.owner(path))
        let expected: (UInt32, UInt32) = getuid() == 0 ? (4242, 4343) : (getuid(), getgid())
        #expect(owner.uid == expected.0 && owner.gid == expected.1, "\(owner)")
        try FileIO.write(path + "/PG_VERSION", "15\n")
        try await reconciler.down(stack: "demo")
        #expect(FileIO.exists(path + "/PG_VERSION"))
        // Up again: the volume is not created again, its data is there.
        let again = try await reconciler.apply(stack)
        #expect(!again.steps.contains { if case .createVolume = $0 { true } else { false } })
        try await reconciler.down(stack: "demo", removeVolumes: true)
        #expect(!FileIO.exists(path))
    }

    @Test func downStopsDependentsBeforeTheirDependencies() async throws {
        let stack = Fixtures.stack(
            Fixtures.service("db"),
            Fixtures.service("api", replicas: 2, dependsOn: [ServiceDependency(service: "db")]),
            Fixtures.service("web", dependsOn: [ServiceDependency(service: "api")]))
        try await reconciler.apply(stack)
        let pids = Dictionary(uniqueKeysWithValues: ["demo-db-1", "demo-api-1", "demo-api-2", "demo-web-1"].compactMap { id in
            driver.runningPid(id).map { ($0, id) }
        })
        let plan = try await reconciler.down(stack: "demo")
        #expect(plan.stops == ["demo-web-1", "demo-api-2", "demo-api-1", "demo-db-1"])
        #expect(driver.signals.compactMap { pids[$0.pid] } == ["demo-web-1", "demo-api-2", "demo-api-1", "demo-db-1"])
        #expect(try await store.instances(stack: "demo").isEmpty)
        #expect(try await store.services(stack: "demo").isEmpty)
    }

    @Test func restartingADependencyRestartsDependentsThatAskForIt() async throws {
        let stack = Fixtures.stack(
            Fixtures.service("db"),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "db", restart: true)]),
            Fixtures.service("worker", dependsOn: [ServiceDependency(service: "db")]))
        try await reconciler.apply(stack)
        let worker = driver.runningPid("demo-worker-1")
        let plan = try await reconciler.restart(stack: "demo", service: "db")
        #expect(plan.stops == ["demo-api-1", "demo-db-1"] && plan.starts == ["demo-db-1", "demo-api-1"])
        #expect(Array(startedIDs.suffix(2)) == ["demo-db-1", "demo-api-1"])
        #expect(driver.runningPid("demo-worker-1") == worker)
    }
}
