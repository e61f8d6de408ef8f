import AICoreErrors
import AICoreStore
import Foundation
import Testing

enum StoreTestEnvironment {
    static var isRoot: Bool { getuid() == 0 }

    static func temporaryDirectory() throws -> String {
        let path = "/tmp/aicore-store-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite struct SQLiteStoreTests {
    func instance(_ id: String, state: InstanceState = .running) -> InstanceRecord {
        InstanceRecord(id: id, stack: "demo", service: "api", replica: 1, pid: 4242, processStartTime: 123_456,
                       cgroupPath: "aicore/demo/api/\(id)", ports: [3000, 3001], state: state, restartCount: 2,
                       lastExit: "Exited (code 1)", lastExitCode: 1, ready: true)
    }

    @Test func instancesRoundTripAndSurviveReopening() async throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = try SQLiteStore(path: dir + "/state.db")
            try await store.saveInstance(instance("demo-api-1"))
            try await store.saveInstance(instance("demo-api-2", state: .backoff))
        }
        let store = try SQLiteStore(path: dir + "/state.db")
        let all = try await store.instances(stack: "demo")
        #expect(all.map(\.id) == ["demo-api-1", "demo-api-2"])
        var first = try #require(try await store.instance(id: "demo-api-1"))
        first.updatedAt = ""
        #expect(first == instance("demo-api-1"))
        try await store.deleteInstance(id: "demo-api-1")
        #expect(try await store.instance(id: "demo-api-1") == nil)
        // WAL mode: readers never wait for the writer.
        #expect(FileManager.default.fileExists(atPath: dir + "/state.db-wal"))
    }

    @Test func aChangedSpecIsANewRevision() async throws {
        let store = try SQLiteStore(inMemory: 100)
        #expect(try await store.saveStack(name: "demo", specHash: "a", spec: "services: {}") == 1)
        #expect(try await store.saveStack(name: "demo", specHash: "a", spec: "services: {}") == 1)
        #expect(try await store.saveStack(name: "demo", specHash: "b", spec: "services: {x: {}}") == 2)
        #expect(try await store.revisions(stack: "demo").map(\.specHash) == ["a", "b"])
        #expect(try await store.stack(named: "demo")?.currentRevision == 2)
        try await store.saveService(ServiceRecord(stack: "demo", name: "api", revision: 2, specHash: "s", replicas: 3))
        #expect(try await store.services(stack: "demo").map(\.replicas) == [3])
    }

    @Test func serviceRevisionsAreNumberedOncePerSpecAndTrimmedToTheHistory() async throws {
        let store = try SQLiteStore(inMemory: 100)
        func record(_ hash: String, _ stackRevision: Int, cause: String = "apply", pinned: Set<String> = []) async throws -> Int {
            try await store.recordServiceRevision(stack: "demo", service: "api", specHash: hash, stackRevision: stackRevision,
                                                  cause: cause, keep: 2, pinned: pinned).revision
        }
        #expect(try await record("a", 1) == 1)
        #expect(try await record("a", 2) == 1)   // the same spec again: no new revision
        #expect(try await record("b", 3) == 2)
        // Back to an earlier spec (undo, rollback): it becomes the newest, listed once.
        #expect(try await record("a", 4, cause: "undo to revision 1") == 3)
        var all = try await store.serviceRevisions(stack: "demo", service: "api")
        #expect(all.map(\.revision) == [2, 3] && all.map(\.specHash) == ["b", "a"])
        #expect(all.last?.cause == "undo to revision 1" && all.last?.stackRevision == 4)
        // keep: 2 earlier revisions beside the newest.
        _ = try await record("c", 5)
        _ = try await record("d", 6)
        all = try await store.serviceRevisions(stack: "demo", service: "api")
        #expect(all.map(\.specHash) == ["a", "c", "d"])
        // A revision replicas still run (or a rollout would go back to) is never pruned.
        _ = try await record("e", 7, pinned: ["a"])
        _ = try await record("f", 8, pinned: ["a"])
        all = try await store.serviceRevisions(stack: "demo", service: "api")
        #expect(all.map(\.specHash) == ["a", "d", "e", "f"])
    }

    @Test func aRolloutIsKeptPerServiceAndGoesWithItsStack() async throws {
        let store = try SQLiteStore(inMemory: 100)
        _ = try await store.saveStack(name: "demo", specHash: "a", spec: "services: {}")
        var rollout = RolloutRecord(stack: "demo", service: "api", state: .progressing, revision: 2, toHash: "b",
                                    fromRevision: 1, fromHash: "a", rollbackHash: "a")
        try await store.saveRollout(rollout)
        #expect(try await store.rollouts(stack: "demo").first?.rollbackHash == "a", "where a failure goes back to is kept")
        rollout.state = .rolledBack
        rollout.reason = "no progress"
        try await store.saveRollout(rollout)
        let saved = try #require(try await store.rollouts(stack: "demo").first)
        #expect(saved.state == .rolledBack && saved.reason == "no progress" && !saved.startedAt.isEmpty)
        #expect(!saved.isActive)
        try await store.deleteStack(name: "demo")
        #expect(try await store.rollouts(stack: "demo").isEmpty)
    }

    @Test func eventsAreKeptInOrderWithBoundedRetention() async throws {
        let store = try SQLiteStore(inMemory: 5)
        for batch in 0..<4 {
            let events = (0..<3).map { i in
                EventRecord(time: "t", stack: "demo", service: "api", instance: "demo-api-1", type: "exited", reason: "\(batch * 3 + i)")
            }
            try await store.appendEvents(events)
        }
        let kept = try await store.events(instance: "demo-api-1", limit: 100)
        #expect(kept.map(\.reason) == ["7", "8", "9", "10", "11"])
        #expect(try await store.events(instance: nil, limit: 2).map(\.reason) == ["10", "11"])
        #expect(try await store.events(instance: "other", limit: 10).isEmpty)
    }

    @Test func anInstanceAndItsEventsAreOneWrite() async throws {
        let store = try SQLiteStore(inMemory: 3)
        let events = (0..<4).map { i in
            EventRecord(time: "t", stack: "demo", service: "api", instance: "demo-api-1", type: "probe", reason: "\(i)")
        }
        try await store.saveInstance(instance("demo-api-1", state: .healthy), appending: events)
        #expect(try await store.instance(id: "demo-api-1")?.state == .healthy)
        #expect(try await store.events(instance: "demo-api-1", limit: 10).map(\.reason) == ["1", "2", "3"])
        try await store.saveInstance(instance("demo-api-1", state: .exited), appending: [])
        #expect(try await store.instance(id: "demo-api-1")?.state == .exited)
        #expect(try await store.events(instance: "demo-api-1", limit: 10).count == 3)
    }

    @Test func aCorruptFileIsOneClearErrorNotAnEmptyStore() throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: AICoreError.self) { try SQLiteStore(path: path) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("corrupt") == true)
        #expect(error?.message.contains(path) == true)
    }

    @Test func aDamagedPageIsRefusedAtOpen() async throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        do {
            let store = try SQLiteStore(path: path)
            for i in 0..<200 { try await store.saveInstance(instance("demo-api-\(i)")) }
        }
        // Keep the header, scribble over the rest of the first pages.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 12_000))
        try handle.close()
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")
        let error = #expect(throws: AICoreError.self) { try SQLiteStore(path: path) }
        #expect(error?.code == .corrupt)
    }

    @Test func aMissingDirectoryIsOneClearError() {
        let error = #expect(throws: AICoreError.self) { try SQLiteStore(path: "/nonexistent-\(getpid())/state.db") }
        #expect(error?.code == .cannotOpen)
        #expect(error?.message.contains("directory") == true)
    }
}

/// Read-only and full filesystems, made for real with tmpfs mounts (root).
@Suite(.serialized, .enabled(if: StoreTestEnvironment.isRoot, "needs root to mount tmpfs"))
struct SQLiteStoreFilesystemTests {
    @Test func aReadOnlyFilesystemIsOneClearError() async throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        try #require(try StoreTestEnvironment.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]) == 0)
        defer {
            _ = try? StoreTestEnvironment.run(["umount", dir])
            try? FileManager.default.removeItem(atPath: dir)
        }
        do {
            let store = try SQLiteStore(path: dir + "/state.db")
            try await store.saveInstance(InstanceRecord(id: "x", stack: "s", service: "a", replica: 1, state: .running))
        }
        // A read-only view of the same files (a bind remount: the original may still be busy).
        let view = dir + "-ro"
        try FileManager.default.createDirectory(atPath: view, withIntermediateDirectories: true)
        try #require(try StoreTestEnvironment.run(["mount", "--bind", dir, view]) == 0)
        defer {
            _ = try? StoreTestEnvironment.run(["umount", view])
            try? FileManager.default.removeItem(atPath: view)
        }
        try #require(try StoreTestEnvironment.run(["mount", "-o", "remount,bind,ro", view]) == 0)
        let error = #expect(throws: AICoreError.self) { try SQLiteStore(path: view + "/state.db") }
        #expect(error?.code == .readOnly || error?.code == .cannotOpen, "\(String(describing: error))")
        #expect(error?.message.contains(view) == true)
    }

    @Test func aFullDiskIsReportedAsSuch() async throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        try #require(try StoreTestEnvironment.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", dir]) == 0)
        defer {
            _ = try? StoreTestEnvironment.run(["umount", dir])
            try? FileManager.default.removeItem(atPath: dir)
        }
        let store = try SQLiteStore(path: dir + "/state.db", eventRetention: 1_000_000)
        let big = String(repeating: "x", count: 16_000)
        var failure: AICoreError?
        for _ in 0..<200 {
            do {
                try await store.appendEvents([EventRecord(time: "t", stack: "s", service: "a", instance: "i", type: "t", reason: big)])
            } catch {
                failure = error
                break
            }
        }
        #expect(failure?.code == .diskFull, "\(String(describing: failure))")
    }
}
