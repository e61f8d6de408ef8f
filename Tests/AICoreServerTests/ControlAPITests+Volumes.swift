import AICoreOS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// `/v1/volumes` and what `DELETE /v1/stacks/{stack}` does to volumes and events, over a real
/// control plane (real instances).
extension ControlAPITests {
    /// A sleeper that mounts two named volumes.
    static func volumeStackFile(_ name: String) -> String {
        """
        name: \(name)
        services:
          sleeper:
            user: root
            command: ["/bin/sh", "-c", "exec /bin/sleep 300"]
            volumes: [data:/mnt, cache:/srv]
        volumes:
          data:
            labels: {tier: db}
          cache: {}

        """
    }

    @Test func volumesAreListedRefusedWhileInUseAndRemovedOnceTheStackIsDown() async throws {
        let name = Self.uniqueName()
        let data = "\(name)_data"
        let cache = "\(name)_cache"
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            let volumes = harness.directory + "/volumes"
            try await harness.test { client in
                @Sendable func listed(_ query: String = "") async throws -> [VolumeStatus] {
                    try await client.execute(uri: "/v1/volumes\(query)", method: .get).json([VolumeStatus].self)
                }
                @Sendable func up() async throws -> [EventMessage] {
                    let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                           body: ByteBuffer(string: Self.volumeStackFile(name)))
                    #expect(applied.status == .accepted, "\(applied.text)")
                    var events: [EventMessage] = []
                    let running = try await eventually {
                        let response = try await client.execute(uri: "/v1/instances/\(name)-sleeper-1", method: .get)
                        guard response.status == .ok, let instance = try? response.json(InstanceStatus.self) else { return false }
                        events = instance.events ?? []
                        return instance.state == .running
                    }
                    let stack = try await client.execute(uri: "/v1/stacks/\(name)", method: .get).text
                    try #require(running, "\(stack)")
                    return events
                }

                let firstEvents = try await up()
                let all = try await listed()
                #expect(all.map(\.name) == [cache, data])
                let volume = try #require(all.last)
                #expect(volume.stack == name && volume.key == "data" && volume.path == volumes + "/" + data)
                #expect(volume.labels == ["tier": "db"] && volume.uid == 0 && volume.gid == 0)
                #expect(volume.createdAt != nil)
                #expect(volume.inUseBy == name)
                #expect(try await listed("?stack=\(name)").count == 2)
                #expect(try await listed("?stack=other").isEmpty)
                let one = try await client.execute(uri: "/v1/volumes/\(data)", method: .get)
                #expect(try one.json(VolumeStatus.self) == volume)

                let unknown = try expectProblem(try await client.execute(uri: "/v1/volumes/nope", method: .get), .notFound)
                #expect(unknown.detail == "no volume nope on this node; `aicore-node volume ls` lists the volumes")
                try expectProblem(try await client.execute(uri: "/v1/volumes/nope", method: .delete), .notFound)
                let inUse = try expectProblem(try await client.execute(uri: "/v1/volumes/\(data)", method: .delete), .conflict)
                #expect(inUse.detail == "volume \(data) is in use by stack \(name) (service sleeper); remove it after `aicore-node down -p \(name)`")
                #expect(FileIO.isDirectory(volumes + "/" + data))

                // Directories with no record: one the stack's name starts (its own, maybe), one no stack's.
                try FileIO.makeDirectories(volumes + "/\(name)_anon")
                try FileIO.makeDirectories(volumes + "/zz-orphan")
                try FileIO.write(volumes + "/zz-orphan/blob", [UInt8](repeating: 7, count: 64 * 1024))
                let unrecorded = try await listed().filter { $0.stack == nil }
                #expect(unrecorded.map(\.name) == ["\(name)_anon", "zz-orphan"])
                #expect(unrecorded.map(\.inUseBy) == [name, nil])
                #expect(unrecorded.allSatisfy { $0.key == nil && $0.createdAt == nil })
                let anon = try expectProblem(try await client.execute(uri: "/v1/volumes/\(name)_anon", method: .delete), .conflict)
                #expect(anon.detail == "volume \(name)_anon is in use by stack \(name); remove it after `aicore-node down -p \(name)`")

                // Prune: only what no stack on the node can own.
                let pruned = try await client.execute(uri: "/v1/volumes/prune", method: .post)
                #expect(pruned.status == .ok, "\(pruned.text)")
                let removal = try pruned.json(VolumeRemoval.self)
                #expect(removal.removed == ["zz-orphan"])
                #expect(removal.bytesFreed >= 64 * 1024)
                #expect(!FileIO.exists(volumes + "/zz-orphan"))

                // A plain down keeps the volumes (no longer in use), and forgets the events.
                let down = try await client.execute(uri: "/v1/stacks/\(name)", method: .delete)
                #expect(down.status == .ok, "\(down.text)")
                #expect(try down.json(PlanMessage.self).volumesRemoved.isEmpty)
                let kept = try await listed()
                #expect(kept.map(\.name) == ["\(name)_anon", cache, data])
                #expect(kept.allSatisfy { $0.inUseBy == nil }, "\(kept)")
                #expect(try await harness.plane.recentEvents(stack: name, limit: 100).isEmpty)

                let removed = try await client.execute(uri: "/v1/volumes/\(cache)", method: .delete)
                #expect(removed.status == .ok, "\(removed.text)")
                #expect(try removed.json(VolumeRemoval.self).removed == [cache])
                #expect(!FileIO.exists(volumes + "/" + cache))

                // `down -v` of the stack that is down: its recorded volumes go, 200.
                let downV = try await client.execute(uri: "/v1/stacks/\(name)?volumes=true", method: .delete)
                #expect(downV.status == .ok, "\(downV.text)")
                let plan = try downV.json(PlanMessage.self)
                #expect(plan.volumesRemoved == [data] && plan.stops.isEmpty)
                #expect(!FileIO.exists(volumes + "/" + data))
                let again = try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)?volumes=true", method: .delete), .notFound)
                #expect(again.detail == "no stack \(name) on this node; `aicore-node ps` lists the stacks")

                // The stack gone, the unrecorded directory it started is nobody's: pruned.
                let last = try await client.execute(uri: "/v1/volumes/prune", method: .post).json(VolumeRemoval.self)
                #expect(last.removed == ["\(name)_anon"])
                #expect(try await listed().isEmpty)

                // A new stack of the same name starts with a clean history.
                let oldIDs = Set(firstEvents.compactMap(\.id))
                #expect(!oldIDs.isEmpty)
                let newEvents = try await up()
                #expect(!newEvents.isEmpty)
                #expect(newEvents.allSatisfy { event in event.id.map { !oldIDs.contains($0) && $0 > oldIDs.max() ?? 0 } ?? false },
                        "\(newEvents)")
                #expect(newEvents.filter { $0.type == "started" }.count == 1, "\(newEvents)")
            }
        }
    }
}
