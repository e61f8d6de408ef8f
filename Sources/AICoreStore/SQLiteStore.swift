import AICoreErrors
import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension StackRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stack"
}
extension RevisionRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "revision"
}
extension ServiceRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "service"
}
extension InstanceRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "instance"
}
extension ServiceRevisionRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "service_revision"
}
extension RolloutRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "rollout"
}
extension VIPRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "vip"
}
extension VolumeRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "volume"
}
extension EventRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The Store in one SQLite file (GRDB, WAL: readers never wait for the writer), with a schema
/// version kept by GRDB's migrator. Opening checks the file's integrity and refuses a file
/// written by a newer schema, so the agent either has its state or stops with one clear error.
public final class SQLiteStore: Store {
    /// Events kept; older ones are dropped as new ones arrive.
    public let eventRetention: Int
    public let path: String
    private let writer: any DatabaseWriter

    /// Opens (creating when absent) the store at `path`.
    public init(path: String, eventRetention: Int = 10_000) throws(AICoreError) {
        self.path = path
        self.eventRetention = max(eventRetention, 1)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "aicore.store"
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.prepare(pool, path: path)
            writer = pool
        } catch let error as AICoreError {
            throw error
        } catch {
            throw Self.openError(error, path: path)
        }
    }

    /// A private in-memory store (tests, `--ephemeral` runs).
    public init(inMemory eventRetention: Int = 10_000) throws(AICoreError) {
        path = ":memory:"
        self.eventRetention = max(eventRetention, 1)
        do {
            let queue = try DatabaseQueue()
            try Self.prepare(queue, path: path)
            writer = queue
        } catch let error as AICoreError {
            throw error
        } catch {
            throw Self.openError(error, path: path)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "stack") { t in
                t.primaryKey("name", .text)
                t.column("currentRevision", .integer).notNull()
                t.column("updatedAt", .text).notNull()
            }
            try db.create(table: "revision") { t in
                t.column("stack", .text).notNull().references("stack", onDelete: .cascade)
                t.column("revision", .integer).notNull()
                t.column("specHash", .text).notNull()
                t.column("spec", .text).notNull()
                t.column("createdAt", .text).notNull()
                t.primaryKey(["stack", "revision"])
            }
            try db.create(table: "service") { t in
                t.column("stack", .text).notNull()
                t.column("name", .text).notNull()
                t.column("revision", .integer).notNull()
                t.column("specHash", .text).notNull()
                t.column("replicas", .integer).notNull()
                t.primaryKey(["stack", "name"])
            }
            try db.create(table: "instance") { t in
                t.primaryKey("id", .text)
                t.column("stack", .text).notNull().indexed()
                t.column("service", .text).notNull()
                t.column("replica", .integer).notNull()
                t.column("pid", .integer)
                t.column("processStartTime", .integer)
                t.column("cgroupPath", .text)
                t.column("ports", .text).notNull()
                t.column("state", .text).notNull()
                t.column("desired", .text).notNull()
                t.column("restartCount", .integer).notNull()
                t.column("consecutiveFailures", .integer).notNull()
                t.column("backoffUntil", .integer)
                t.column("lastExit", .text)
                t.column("lastExitCode", .integer)
                t.column("lastExitAt", .text)
                t.column("exitHandled", .boolean).notNull()
                t.column("startedAt", .text)
                t.column("health", .text)
                t.column("ready", .boolean).notNull()
                t.column("probeLog", .text)
                t.column("updatedAt", .text).notNull()
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .text).notNull()
                t.column("stack", .text).notNull()
                t.column("service", .text).notNull()
                t.column("instance", .text).notNull().indexed()
                t.column("type", .text).notNull()
                t.column("reason", .text).notNull()
            }
        }
        migrator.registerMigration("v2") { db in
            // The restart window's attempts (JSON array of Unix milliseconds).
            try db.alter(table: "instance") { t in
                t.add(column: "restartAttempts", .text).notNull().defaults(to: "[]")
            }
        }
        migrator.registerMigration("v3") { db in
            // Service VIPs: one address per (stack, service), never two services on one address.
            try db.create(table: "vip") { t in
                t.column("stack", .text).notNull()
                t.column("service", .text).notNull()
                t.column("address", .text).notNull().unique()
                t.primaryKey(["stack", "service"])
            }
            // Why an instance is pending (the scheduler's reason).
            try db.alter(table: "instance") { t in
                t.add(column: "statusReason", .text)
            }
        }
        migrator.registerMigration("v4") { db in
            // Rollouts: which service revision each instance runs, the revisions, the rollouts.
            try db.alter(table: "instance") { t in
                t.add(column: "specHash", .text)
            }
            try db.create(table: "service_revision") { t in
                t.column("stack", .text).notNull()
                t.column("service", .text).notNull()
                t.column("revision", .integer).notNull()
                t.column("specHash", .text).notNull()
                t.column("stackRevision", .integer).notNull()
                t.column("cause", .text).notNull()
                t.column("createdAt", .text).notNull()
                t.primaryKey(["stack", "service", "revision"])
            }
            try db.create(table: "rollout") { t in
                t.column("stack", .text).notNull()
                t.column("service", .text).notNull()
                t.column("state", .text).notNull()
                t.column("revision", .integer).notNull()
                t.column("toHash", .text).notNull()
                t.column("fromRevision", .integer).notNull()
                t.column("fromHash", .text)
                t.column("reason", .text)
                t.column("startedAt", .text).notNull()
                t.column("updatedAt", .text).notNull()
                t.primaryKey(["stack", "service"])
            }
        }
        migrator.registerMigration("v5") { db in
            // Named volumes: they outlive their stack, so `down -v`, `volume ls` and `volume
            // prune` find them after a plain `down`. Events are deleted by stack on `down`.
            try db.create(table: "volume") { t in
                t.primaryKey("name", .text)
                t.column("stack", .text).notNull().indexed()
                t.column("key", .text).notNull()
                t.column("path", .text).notNull()
                t.column("uid", .integer).notNull()
                t.column("gid", .integer).notNull()
                t.column("labels", .text).notNull().defaults(to: "{}")
                t.column("createdAt", .text)
            }
            try db.create(index: "event_on_stack", on: "event", columns: ["stack"])
        }
        migrator.registerMigration("v6") { db in
            // Where a failed rollout goes back to: the newest revision known to have been
            // available (nil: none was, and a failure is not rolled back).
            try db.alter(table: "rollout") { t in
                t.add(column: "rollbackHash", .text)
            }
        }
        migrator.registerMigration("v7") { db in
            // `state` and `desired` are read as enums: a name no agent writes (a hand edit, a
            // state of a build that never shipped) would make every read of the stack fail.
            // Such an instance is recorded as exited, and desired running, so that the
            // supervisor decides about it again instead of the Store refusing to load it.
            let states = InstanceState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            try db.execute(sql: "UPDATE instance SET state = 'exited', exitHandled = 0 WHERE state NOT IN (\(states))")
            try db.execute(sql: "UPDATE instance SET desired = 'running' WHERE desired NOT IN ('running', 'stopped')")
        }
        migrator.registerMigration("v8") { db in
            // Each instance's address on each of its bridge networks (JSON object): the proxy's
            // backends, `ps` and `inspect`, also for instances re-adopted after a restart.
            try db.alter(table: "instance") { t in
                t.add(column: "addresses", .text).notNull().defaults(to: "{}")
            }
        }
        migrator.registerMigration("v9") { db in
            // The IPv6 ones beside them, on `enable_ipv6` networks (JSON object; `{}` for the
            // records of before, which had none).
            try db.alter(table: "instance") { t in
                t.add(column: "addresses6", .text).notNull().defaults(to: "{}")
            }
        }
        migrator.registerMigration("v10") { db in
            // The files each stack was applied from (JSON array), so `ls` still shows them
            // after an agent restart.
            try db.alter(table: "stack") { t in
                t.add(column: "configFiles", .text).notNull().defaults(to: "[]")
            }
        }
        return migrator
    }

    private static func prepare(_ writer: any DatabaseWriter, path: String) throws {
        let migrator = Self.migrator
        // On the writer's connection, not a reader's: a reader that read before the migration
        // keeps the schema it saw (GRDB caches it per connection), and a column the migration
        // adds would then be missing from every record it reads for the life of the process.
        try writer.writeWithoutTransaction { db in
            // A damaged file is refused here rather than half-read later.
            let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "no answer"
            guard check == "ok" else {
                throw AICoreError(code: .corrupt, message: "the state database \(path) is corrupt (\(check)); restore it from a backup or move it away to start from an empty state while no workloads run")
            }
            if try migrator.hasBeenSuperseded(db) {
                throw AICoreError(code: .tooNew, message: "the state database \(path) was written by a newer aicore-node; upgrade aicore-node or restore an older state")
            }
        }
        try migrator.migrate(writer)
    }

    static func openError(_ error: any Error, path: String) -> AICoreError {
        guard let error = error as? DatabaseError else {
            return AICoreError(code: .cannotOpen, message: "cannot open the state database \(path): \(error)", cause: error)
        }
        switch error.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return AICoreError(code: .corrupt, message: "the state database \(path) is corrupt or not a database (\(error.message ?? "\(error.resultCode)")); restore it from a backup or move it away to start from an empty state while no workloads run", cause: error)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return AICoreError(code: .readOnly, message: "the state database \(path) cannot be written (\(error.message ?? "read-only")); give the agent write access to it and its directory", cause: error)
        case .SQLITE_FULL:
            return AICoreError(code: .diskFull, message: "the disk holding the state database \(path) is full; free space and start again", cause: error)
        case .SQLITE_CANTOPEN:
            return AICoreError(code: .cannotOpen, message: "cannot open the state database \(path) (\(error.message ?? "unable to open")); check that its directory exists and is writable", cause: error)
        default:
            return AICoreError(code: .cannotOpen, message: "cannot open the state database \(path): \(error)", cause: error)
        }
    }

    private func failure(_ error: any Error, _ what: String) -> AICoreError {
        if let error = error as? AICoreError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL:
                return AICoreError(code: .diskFull, message: "\(what): the disk holding \(path) is full", cause: error)
            case .SQLITE_READONLY:
                return AICoreError(code: .readOnly, message: "\(what): \(path) is read-only", cause: error)
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return AICoreError(code: .corrupt, message: "\(what): \(path) is corrupt", cause: error)
            default: break
            }
        }
        return AICoreError(code: .store, message: "\(what): \(error)", cause: error)
    }

    private func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AICoreError) -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw failure(error, what)
        }
    }

    private func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AICoreError) -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw failure(error, what)
        }
    }

    static func now() -> String {
        Date().formatted(.iso8601)
    }

    // MARK: Store

    public func saveStack(name: String, specHash: String, spec: String) async throws(AICoreError) -> Int {
        let now = Self.now()
        return try await write("save stack \(name)") { db in
            let current = try StackRecord.fetchOne(db, key: name)
            if let current,
               let revision = try RevisionRecord.fetchOne(db, key: ["stack": name, "revision": current.currentRevision]),
               revision.specHash == specHash {
                return current.currentRevision
            }
            let next = (current?.currentRevision ?? 0) + 1
            try StackRecord(name: name, currentRevision: next, updatedAt: now, configFiles: current?.configFiles ?? []).save(db)
            try RevisionRecord(stack: name, revision: next, specHash: specHash, spec: spec, createdAt: now).insert(db)
            return next
        }
    }

    public func saveConfigFiles(stack name: String, files: [String]) async throws(AICoreError) {
        let json = String(decoding: (try? JSONEncoder().encode(files)) ?? Data("[]".utf8), as: UTF8.self)
        try await write("save the config files of stack \(name)") { db in
            // That column only: the apply that goes on in the background saves the stack's
            // revision meanwhile, and writing the whole record back would undo it.
            try db.execute(sql: "UPDATE stack SET configFiles = ? WHERE name = ?", arguments: [json, name])
        }
    }

    public func stack(named name: String) async throws(AICoreError) -> StackRecord? {
        try await read("read stack \(name)") { db in try StackRecord.fetchOne(db, key: name) }
    }

    public func stacks() async throws(AICoreError) -> [StackRecord] {
        try await read("read stacks") { db in try StackRecord.order(Column("name")).fetchAll(db) }
    }

    public func deleteStack(name: String) async throws(AICoreError) {
        try await write("delete stack \(name)") { db in
            try RevisionRecord.filter(Column("stack") == name).deleteAll(db)
            try ServiceRevisionRecord.filter(Column("stack") == name).deleteAll(db)
            try RolloutRecord.filter(Column("stack") == name).deleteAll(db)
            _ = try StackRecord.deleteOne(db, key: name)
        }
    }

    public func revisions(stack: String) async throws(AICoreError) -> [RevisionRecord] {
        try await read("read revisions of \(stack)") { db in
            try RevisionRecord.filter(Column("stack") == stack).order(Column("revision")).fetchAll(db)
        }
    }

    public func saveService(_ service: ServiceRecord) async throws(AICoreError) {
        try await write("save service \(service.stack)/\(service.name)") { db in try service.save(db) }
    }

    public func services(stack: String) async throws(AICoreError) -> [ServiceRecord] {
        try await read("read services of \(stack)") { db in
            try ServiceRecord.filter(Column("stack") == stack).order(Column("name")).fetchAll(db)
        }
    }

    public func saveInstance(_ instance: InstanceRecord) async throws(AICoreError) {
        var record = instance
        record.updatedAt = Self.now()
        let toSave = record
        try await write("save instance \(instance.id)") { db in try toSave.save(db) }
    }

    public func instance(id: String) async throws(AICoreError) -> InstanceRecord? {
        try await read("read instance \(id)") { db in try InstanceRecord.fetchOne(db, key: id) }
    }

    public func instances(stack: String?) async throws(AICoreError) -> [InstanceRecord] {
        try await read("read instances") { db in
            var request = InstanceRecord.order(Column("service"), Column("replica"))
            if let stack { request = request.filter(Column("stack") == stack) }
            return try request.fetchAll(db)
        }
    }

    public func deleteInstance(id: String) async throws(AICoreError) {
        _ = try await write("delete instance \(id)") { db in try InstanceRecord.deleteOne(db, key: id) }
    }

    public func deleteService(stack: String, name: String) async throws(AICoreError) {
        _ = try await write("delete service \(stack)/\(name)") { db in
            try ServiceRecord.deleteOne(db, key: ["stack": stack, "name": name])
            try ServiceRevisionRecord.filter(Column("stack") == stack && Column("service") == name).deleteAll(db)
            try RolloutRecord.deleteOne(db, key: ["stack": stack, "service": name])
        }
    }

    public func recordServiceRevision(stack: String, service: String, specHash: String, stackRevision: Int, cause: String,
                                      keep: Int, pinned: Set<String>) async throws(AICoreError) -> ServiceRevisionRecord {
        let now = Self.now()
        return try await write("record a revision of \(stack)/\(service)") { db in
            let mine = ServiceRevisionRecord.filter(Column("stack") == stack && Column("service") == service)
            let all = try mine.order(Column("revision")).fetchAll(db)
            if let newest = all.last, newest.specHash == specHash { return newest }
            let next = (all.last?.revision ?? 0) + 1
            // Going back to an older spec moves it to the top, so history has each spec once.
            for old in all where old.specHash == specHash {
                _ = try ServiceRevisionRecord.deleteOne(db, key: ["stack": stack, "service": service, "revision": old.revision])
            }
            let record = ServiceRevisionRecord(stack: stack, service: service, revision: next, specHash: specHash,
                                               stackRevision: stackRevision, cause: cause, createdAt: now)
            try record.insert(db)
            let kept = try mine.order(Column("revision").desc).fetchAll(db)
            for old in kept.dropFirst(max(keep, 0) + 1) where !pinned.contains(old.specHash) {
                _ = try ServiceRevisionRecord.deleteOne(db, key: ["stack": stack, "service": service, "revision": old.revision])
            }
            return record
        }
    }

    public func serviceRevisions(stack: String, service: String) async throws(AICoreError) -> [ServiceRevisionRecord] {
        try await read("read revisions of \(stack)/\(service)") { db in
            try ServiceRevisionRecord.filter(Column("stack") == stack && Column("service") == service)
                .order(Column("revision")).fetchAll(db)
        }
    }

    public func saveRollout(_ rollout: RolloutRecord) async throws(AICoreError) {
        var record = rollout
        record.updatedAt = Self.now()
        if record.startedAt.isEmpty { record.startedAt = record.updatedAt }
        let toSave = record
        try await write("save the rollout of \(rollout.stack)/\(rollout.service)") { db in try toSave.save(db) }
    }

    public func rollouts(stack: String) async throws(AICoreError) -> [RolloutRecord] {
        try await read("read rollouts of \(stack)") { db in
            try RolloutRecord.filter(Column("stack") == stack).order(Column("service")).fetchAll(db)
        }
    }

    public func vips() async throws(AICoreError) -> [VIPRecord] {
        try await read("read VIPs") { db in
            try VIPRecord.order(Column("stack"), Column("service")).fetchAll(db)
        }
    }

    public func saveVIP(_ vip: VIPRecord) async throws(AICoreError) {
        try await write("save the VIP of \(vip.stack)/\(vip.service)") { db in try vip.save(db) }
    }

    public func deleteVIP(stack: String, service: String) async throws(AICoreError) {
        _ = try await write("release the VIP of \(stack)/\(service)") { db in
            try VIPRecord.deleteOne(db, key: ["stack": stack, "service": service])
        }
    }

    public func saveVolume(_ volume: VolumeRecord) async throws(AICoreError) {
        try await write("save volume \(volume.name)") { db in try volume.save(db) }
    }

    public func volume(named name: String) async throws(AICoreError) -> VolumeRecord? {
        try await read("read volume \(name)") { db in try VolumeRecord.fetchOne(db, key: name) }
    }

    public func volumes(stack: String?) async throws(AICoreError) -> [VolumeRecord] {
        try await read("read volumes") { db in
            var request = VolumeRecord.order(Column("name"))
            if let stack { request = request.filter(Column("stack") == stack) }
            return try request.fetchAll(db)
        }
    }

    public func deleteVolume(named name: String) async throws(AICoreError) {
        _ = try await write("delete volume \(name)") { db in try VolumeRecord.deleteOne(db, key: name) }
    }

    public func appendEvents(_ events: [EventRecord]) async throws(AICoreError) {
        guard !events.isEmpty else { return }
        let retention = eventRetention
        try await write("append events") { db in try Self.insert(events, retention: retention, db) }
    }

    public func saveInstance(_ instance: InstanceRecord, appending events: [EventRecord]) async throws(AICoreError) {
        var record = instance
        record.updatedAt = Self.now()
        let toSave = record
        let retention = eventRetention
        try await write("save instance \(instance.id)") { db in
            try toSave.save(db)
            try Self.insert(events, retention: retention, db)
        }
    }

    private static func insert(_ events: [EventRecord], retention: Int, _ db: Database) throws {
        guard !events.isEmpty else { return }
        var last: Int64 = 0
        for event in events {
            var record = event
            try record.insert(db)
            last = record.id ?? last
        }
        try db.execute(sql: "DELETE FROM event WHERE id <= ?", arguments: [last - Int64(retention)])
    }

    public func events(instance: String?, limit: Int) async throws(AICoreError) -> [EventRecord] {
        try await read("read events") { db in
            var request = EventRecord.order(Column("id").desc).limit(limit)
            if let instance { request = request.filter(Column("instance") == instance) }
            return try request.fetchAll(db).reversed()
        }
    }

    public func deleteEvents(stack: String) async throws(AICoreError) {
        try await write("delete the events of \(stack)") { db in
            try db.execute(sql: "DELETE FROM event WHERE stack = ?", arguments: [stack])
        }
    }
}
