import AICoreController
import AICoreOS
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreSystem
import Foundation
import Testing

/// Volume records: written with the directory, kept by `down`, gone with `down -v`, also of a
/// stack that went down before; directories an older agent made are adopted.
extension ReconcilerTests {
    var pgdata: Stack {
        var stack = Fixtures.stack(Fixtures.service("postgres", volumes: [VolumeMount(kind: .volume, source: "pgdata", target: "/data")],
                                                    user: "postgres"), volumes: ["pgdata"])
        stack.volumes[0].labels = ["tier": "db"]
        return stack
    }

    @Test func aCreatedVolumeIsRecordedKeptByDownAndForgottenByDownVOfTheGoneStack() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await reconciler.apply(pgdata)
        let path = root + "/volumes/demo_pgdata"
        let record = try #require(try await store.volume(named: "demo_pgdata"))
        let owner = try #require(FileIO.owner(path))
        #expect(record.stack == "demo" && record.key == "pgdata" && record.path == path)
        #expect(record.uid == owner.uid && record.gid == owner.gid)
        #expect(record.labels == ["tier": "db"])
        #expect(record.createdAt?.hasSuffix("Z") == true)

        try await reconciler.down(stack: "demo")
        #expect(try await store.volumes(stack: "demo") == [record])
        #expect(FileIO.isDirectory(path))

        // The reconciler no longer has the stack: its records are what is left of it.
        let plan = try await reconciler.down(stack: "demo", removeVolumes: true)
        #expect(plan.removedVolumes == ["demo_pgdata"])
        #expect(!FileIO.exists(path))
        #expect(try await store.volumes(stack: nil).isEmpty)
    }

    @Test func aDeclaredVolumeAnOlderAgentMadeIsAdoptedWithItsOwnerAndNoCreationTime() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/volumes/demo_pgdata"
        try FileIO.makeDirectories(path)
        try FileIO.write(path + "/PG_VERSION", "15\n")
        // Not declared by the stack: never guessed into a record.
        try FileIO.makeDirectories(root + "/volumes/demo_other")
        let plan = try await reconciler.apply(pgdata)
        #expect(!plan.steps.contains { if case .createVolume = $0 { true } else { false } })
        let record = try #require(try await store.volume(named: "demo_pgdata"))
        #expect(record.createdAt == nil && record.key == "pgdata" && record.labels == ["tier": "db"])
        #expect(record.uid == FileIO.owner(path)?.uid)
        #expect(try await store.volumes(stack: nil).map(\.name) == ["demo_pgdata"])

        try await reconciler.down(stack: "demo", removeVolumes: true)
        #expect(!FileIO.exists(path))
        #expect(FileIO.isDirectory(root + "/volumes/demo_other"))
        #expect(try await store.volumes(stack: nil).isEmpty)
    }

    @Test func downVForgetsARecordWhoseDirectoryWasRemovedByHand() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await reconciler.apply(pgdata)
        try await reconciler.down(stack: "demo")
        try FileIO.removeTree(root + "/volumes/demo_pgdata")
        let plan = try await reconciler.down(stack: "demo", removeVolumes: true)
        #expect(plan.removedVolumes.isEmpty)
        #expect(try await store.volumes(stack: nil).isEmpty)
    }
}
