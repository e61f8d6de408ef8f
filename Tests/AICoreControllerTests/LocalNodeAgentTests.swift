import AICoreController
import AICoreOS
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreTestSupport
import Foundation
import Testing

/// The in-process agent's side of the seam, over a fake driver: what it reads of the host
/// comes from the readers it was given, and the volume directories it makes are owned as the
/// plan says.
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
}
