import AICoreController
import AICoreOS
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// The Reconciler over the real LinuxTaskDriver and Supervisor: real processes, cgroups and an
/// exec healthcheck inside the instance.
@Suite(.serialized, .enabled(if: getuid() == 0, "kernel tests need root"))
struct ReconcilerKernelTests {
    /// Host processes whose command line mentions `marker`.
    static func processesMentioning(_ marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(marker)
        }
    }

    @Test func aTwoServiceStackComesUpInDependencyOrderAndDownLeavesNothingBehind() async throws {
        let root = try Fixtures.temporaryDirectory("e2e")
        let name = "t\(getpid())x\(UInt16.random(in: 0...UInt16.max))"
        let driver = try LinuxTaskDriver(configuration: LinuxTaskDriver.Configuration(
            stateRoot: root + "/instances", seccompCacheDirectory: root + "/seccomp-cache"))
        let store = try SQLiteStore(path: root + "/state.db")
        let layout = SupervisorLayout(root: root)
        let agent = LocalNodeAgent(driver: driver, store: store, prober: LiveProbeExecutor(driver: driver), clock: ContinuousClock(),
                                   layout: layout, capacity: {
                                       let host = try HostResources.read()
                                       return NodeCapacity(node: "local", cpus: Double(host.cpus), memoryBytes: host.memoryBytes)
                                   },
                                   users: { let user = try UserIdentity.resolveOnHost($0); return (user.uid, user.gid) })
        let reconciler = Reconciler(store: store, agent: agent, vips: VIPAllocator(store: store),
                                    planner: ReconcilePlanner(layout: layout),
                                    clock: ContinuousClock(), gateTimeout: .seconds(60))
        var ids: [String] = []
        defer {
            let cleanup = ids
            Task {
                for id in cleanup {
                    try? await driver.discard(id: id, spec: TaskSpec(id: id, cgroupPath: "aicore/\(name)/x/\(id)", command: ["/bin/true"]))
                }
                try? FileIO.removeTree(root)
            }
        }

        var db = Fixtures.service("db", healthcheck: Healthcheck(test: .exec(["true"]), interval: .milliseconds(200), timeout: .seconds(5),
                                                                 retries: 3, startInterval: .milliseconds(100)))
        db.command = ["/bin/sh", "-c", "sleep 1000 # \(name)-db"]
        var api = Fixtures.service("api", dependsOn: [ServiceDependency(service: "db", condition: .serviceHealthy)])
        api.command = ["/bin/sh", "-c", "sleep 1000 # \(name)-api"]
        let stack = Fixtures.stack(db, api, name: name)
        ids = ["\(name)-db-1", "\(name)-api-1"]

        let plan = try await reconciler.apply(stack)
        #expect(plan.starts == ids)
        let supervisor = try #require(await agent.supervisor(stack: name))
        let dbRunner = try #require(await supervisor.runner("\(name)-db-1"))
        let apiRunner = try #require(await supervisor.runner("\(name)-api-1"))
        #expect(await eventually { await apiRunner.currentState == .running })
        // api started only after db's exec healthcheck had passed.
        let healthy = try #require(await dbRunner.eventHistory.first { $0.type == "healthy" }?.instant)
        let apiStarting = try #require(await apiRunner.eventHistory.first { $0.type == "starting" }?.instant)
        #expect(healthy <= apiStarting)
        let cgroups = [await dbRunner.currentHandle?.cgroup, await apiRunner.currentHandle?.cgroup].compactMap { $0 }
        #expect(cgroups.count == 2)
        #expect(!Self.processesMentioning("\(name)-db").isEmpty)

        let down = try await reconciler.down(stack: name)
        #expect(down.stops == ["\(name)-api-1", "\(name)-db-1"])
        #expect(Self.processesMentioning(name).isEmpty)
        for cgroup in cgroups {
            #expect((cgroup.directories + [cgroup.unifiedDirectory].compactMap { $0 }).allSatisfy { !FileIO.exists($0) })
        }
        #expect(try await store.instances(stack: name).isEmpty)
        #expect(try await store.vips().filter { $0.stack == name }.isEmpty)
    }
}
