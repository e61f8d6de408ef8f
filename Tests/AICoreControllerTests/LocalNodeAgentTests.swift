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

/// The in-process agent's side of the seam, over a fake driver: what it reads of the host
/// comes from the readers it was given, the volume directories it makes are owned as the
/// plan says, and the control plane's questions about instances are answered by the runners.
@Suite struct LocalNodeAgentTests {
    let clock = FakeClock()
    let driver = FakeTaskDriver()
    let store: SQLiteStore
    let root: String
    let layout: SupervisorLayout
    let agent: LocalNodeAgent<FakeClock>

    init() throws {
        store = try SQLiteStore(inMemory: 1000)
        root = try Fixtures.temporaryDirectory("agent")
        layout = SupervisorLayout(root: root)
        agent = LocalNodeAgent(driver: driver, store: store, prober: FakeProbeExecutor(), clock: clock, layout: layout, jitter: .none,
                               capacity: { Fixtures.node(cpus: 3, memory: "2G") }, users: { try Fixtures.lookUp($0) })
    }

    @Test func capacityAndUsersAreTheHostReadersAnswers() async throws {
        defer { try? FileIO.removeTree(root) }
        #expect(try await agent.capacity() == Fixtures.node(cpus: 3, memory: "2G"))
        let users = await agent.lookUpUsers(["postgres", "nobody-here"])
        #expect(users["postgres"] == .found(uid: 105, gid: 110))
        guard case .failed(let reason)? = users["nobody-here"] else {
            Issue.record("an unknown user resolved: \(String(describing: users["nobody-here"]))")
            return
        }
        #expect(reason.contains("nobody-here"))
    }

    @Test func aVolumeDirectoryIsMadeWithTheOwnerOfThePlanAndRemovedWithItsSize() async throws {
        defer { try? FileIO.removeTree(root) }
        // Root can give it to anyone; anybody else only to themselves.
        let owner: (uid: UInt32, gid: UInt32) = getuid() == 0 ? (4242, 4343) : (getuid(), getgid())
        let path = layout.volumeDirectory(stack: "demo", volume: "data")
        try await agent.createVolume(VolumePlan(name: "data", path: path, uid: owner.uid, gid: owner.gid))
        let made = try #require(FileIO.owner(path))
        #expect(made.uid == owner.uid && made.gid == owner.gid)
        // The directory of every volume is root's alone; the volume itself is open to its owner.
        var info = stat()
        #expect(stat(layout.volumesDirectory, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o755)
        #expect(try await agent.volumeDirectories() == [VolumeDirectory(name: "demo_data", path: path, uid: owner.uid, gid: owner.gid)])

        try FileIO.write(path + "/blob", String(repeating: "x", count: 64 << 10))
        #expect(try await agent.removeVolume(path: path) >= 64 << 10)
        #expect(!FileIO.exists(path))
        #expect(try await agent.volumeDirectories().isEmpty)
    }

    @Test func theKeptLogsOfRemovedInstancesAreListedAndRemoved() async throws {
        defer { try? FileIO.removeTree(root) }
        #expect(try await agent.previousLogs(stack: "demo").isEmpty)
        try FileIO.makeDirectories(layout.previousLogDirectory(stack: "demo", id: "demo-api-2"))
        try FileIO.makeDirectories(layout.previousLogDirectory(stack: "demo", id: "demo-api-1"))
        #expect(try await agent.previousLogs(stack: "demo") == ["demo-api-1", "demo-api-2"])
        try await agent.removePreviousLogs(stack: "demo")
        #expect(!FileIO.exists(layout.previousLogsDirectory(stack: "demo")))
        #expect(try await agent.previousLogs(stack: "demo").isEmpty)
    }

    @Test func statusStopKeepingAndReleaseAnswerFromTheRunners() async throws {
        defer { try? FileIO.removeTree(root) }
        let stack = Fixtures.stack(Fixtures.service("api", replicas: 2), Fixtures.service("db"))
        #expect(await agent.status(stack: "demo", instance: "demo-api-1", detail: true, stats: true) == nil)
        for (service, replica) in [("db", 1), ("api", 1), ("api", 2)] {
            try await agent.start(stack: stack, service: try #require(stack.service(named: service)), replica: replica, replicas: 2,
                                  network: InstanceNetwork())
        }
        let live = try #require(await agent.status(stack: "demo", instance: "demo-api-1", detail: true, stats: true))
        #expect(live.state == .running && live.pid == driver.runningPid("demo-api-1") && live.probeLog == [])
        #expect(live.stats != nil)
        #expect(await agent.status(stack: "demo", instance: "demo-api-1", detail: false, stats: false)?.stats == nil)

        // Stopped, not forgotten: the runners stay, and so do the records.
        #expect(await agent.stopKeeping(stack: "demo", service: "api") == ["demo-api-1", "demo-api-2"])
        #expect(driver.runningPid("demo-api-1") == nil && driver.runningPid("demo-api-2") == nil)
        #expect(driver.runningPid("demo-db-1") != nil)
        #expect(await agent.status(stack: "demo", instance: "demo-api-2", detail: false, stats: false)?.state == .exited)
        #expect(try await agent.exec(stack: "demo", instance: "demo-api-2", command: ["true"], options: ExecOptions(), timeout: .seconds(1),
                                     outputLimit: 1024) == nil)

        await agent.release(stoppingInstances: true)
        #expect(driver.runningPid("demo-db-1") == nil)
    }
}
