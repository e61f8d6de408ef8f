import Foundation
import GRDB
import Testing
@testable import AICoreStore

/// Volume records (schema v5) and deleting a stack's events.
extension SQLiteStoreTests {
    func volume(_ stack: String, _ key: String, createdAt: String? = "2026-12-05T08:00:00Z") -> VolumeRecord {
        VolumeRecord(name: "\(stack)_\(key)", stack: stack, key: key, path: "/var/lib/aicore/volumes/\(stack)_\(key)", uid: 105,
                     gid: 110, labels: ["tier": "db"], createdAt: createdAt)
    }

    @Test func volumeRecordsRoundTripByNameAndStackAndOutliveTheirStack() async throws {
        let store = try SQLiteStore(inMemory: 100)
        _ = try await store.saveStack(name: "demo", specHash: "a", spec: "services: {}")
        try await store.saveVolume(volume("demo", "pgdata"))
        try await store.saveVolume(volume("demo", "cache", createdAt: nil))
        try await store.saveVolume(volume("other", "pgdata"))

        #expect(try await store.volume(named: "demo_pgdata") == volume("demo", "pgdata"))
        #expect(try await store.volume(named: "demo_cache")?.createdAt == nil)
        #expect(try await store.volumes(stack: "demo").map(\.name) == ["demo_cache", "demo_pgdata"])
        #expect(try await store.volumes(stack: nil).map(\.name) == ["demo_cache", "demo_pgdata", "other_pgdata"])
        #expect(try await store.volumes(stack: "absent").isEmpty)

        // A plain `down` forgets the stack, not its volumes.
        try await store.deleteStack(name: "demo")
        #expect(try await store.volumes(stack: "demo").count == 2)

        try await store.deleteVolume(named: "demo_pgdata")
        try await store.deleteVolume(named: "demo_pgdata")
        #expect(try await store.volume(named: "demo_pgdata") == nil)
        #expect(try await store.volumes(stack: nil).map(\.name) == ["demo_cache", "other_pgdata"])
    }

    @Test func deletingAStacksEventsLeavesTheOtherStacksEvents() async throws {
        let store = try SQLiteStore(inMemory: 100)
        try await store.appendEvents(["demo", "other", "demo", "demo2"].enumerated().map { index, stack in
            EventRecord(time: "t", stack: stack, service: "api", instance: "\(stack)-api-1", type: "started", reason: "\(index)")
        })
        try await store.deleteEvents(stack: "demo")
        #expect(try await store.events(instance: nil, limit: 10).map(\.reason) == ["1", "3"])
        #expect(try await store.events(instance: "demo-api-1", limit: 10).isEmpty)
        // New events of a stack of the same name are its own history.
        try await store.appendEvents([EventRecord(time: "t", stack: "demo", service: "api", instance: "demo-api-1", type: "started", reason: "new")])
        #expect(try await store.events(instance: "demo-api-1", limit: 10).map(\.reason) == ["new"])
    }

    @Test func aVersion4DatabaseMigratesToVolumeRecordsKeepingItsState() async throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        do {
            // What an agent from before volume records left: schema v4 with a stack and events.
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v4")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO stack (name, currentRevision, updatedAt) VALUES ('demo', 1, 't')")
                try db.execute(sql: "INSERT INTO event (time, stack, service, instance, type, reason) VALUES ('t', 'demo', 'api', 'demo-api-1', 'started', 'old')")
            }
            #expect(try await queue.read { db in try db.tableExists("volume") } == false)
        }
        let store = try SQLiteStore(path: path)
        #expect(try await store.stacks().map(\.name) == ["demo"])
        #expect(try await store.events(instance: "demo-api-1", limit: 10).map(\.reason) == ["old"])
        #expect(try await store.volumes(stack: nil).isEmpty)
        try await store.saveVolume(volume("demo", "pgdata"))
        #expect(try await SQLiteStore(path: path).volumes(stack: "demo") == [volume("demo", "pgdata")])
        let applied = try await DatabaseQueue(path: path).read { db in try SQLiteStore.migrator.appliedIdentifiers(db) }
        #expect(applied == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10"])
        // A stack of before v10 has no config files until its next apply names them.
        #expect(try await store.stack(named: "demo")?.configFiles == [])
    }
}
