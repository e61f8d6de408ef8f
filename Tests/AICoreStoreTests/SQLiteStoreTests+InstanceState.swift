import AICoreStore
import Foundation
import GRDB
import Testing
@testable import AICoreStore

/// An instance's `state` and `desired` are enums (schema v7): every name an agent writes round-
/// trips, and a database holding a name none writes still opens.
@Suite struct SQLiteStoreInstanceStateTests {
    func instance(_ id: String, state: InstanceState, desired: DesiredState = .running) -> InstanceRecord {
        InstanceRecord(id: id, stack: "demo", service: "api", replica: 1, state: state, desired: desired,
                       lastExitCode: 1, exitHandled: true)
    }

    @Test func everyStateAndDesiredStateRoundTrips() async throws {
        let store = try SQLiteStore(inMemory: 3)
        for (index, state) in InstanceState.allCases.enumerated() {
            let desired: DesiredState = index.isMultiple(of: 2) ? .running : .stopped
            try await store.saveInstance(instance("demo-api-\(index)", state: state, desired: desired))
            let read = try #require(try await store.instance(id: "demo-api-\(index)"))
            #expect(read.state == state)
            #expect(read.desired == desired)
        }
    }

    @Test func aVersion6DatabaseWithAnUnknownStateOpensWithThatInstanceExitedAndUndecided() async throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v6")
            // The columns of schema v6 only: today's record has more.
            try await queue.write { db in
                for (id, state, desired) in [("demo-api-1", "zombie", "paused"), ("demo-api-2", "backoff", "stopped")] {
                    try db.execute(sql: """
                        INSERT INTO instance (id, stack, service, replica, ports, state, desired, restartCount, consecutiveFailures,
                                              exitHandled, ready, updatedAt)
                        VALUES (?, 'demo', 'api', 1, '[]', ?, ?, 0, 0, 1, 0, '')
                        """, arguments: [id, state, desired])
                }
            }
        }
        let store = try SQLiteStore(path: path)
        let unknown = try #require(try await store.instance(id: "demo-api-1"))
        #expect(unknown.state == .exited)
        #expect(unknown.exitHandled == false, "the restart decision about it is made again")
        #expect(unknown.desired == .running)
        let known = try #require(try await store.instance(id: "demo-api-2"))
        #expect(known.state == .backoff)
        #expect(known.desired == .stopped)
        #expect(known.exitHandled)
    }

    @Test func aVersion7DatabaseOpensWithItsInstancesOnNoNetworkAndKeepsAddressesFromThenOn() async throws {
        let dir = try StoreTestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v7")
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO instance (id, stack, service, replica, ports, state, desired, restartCount, consecutiveFailures,
                                          exitHandled, ready, updatedAt, restartAttempts)
                    VALUES ('demo-api-1', 'demo', 'api', 1, '[3000]', 'healthy', 'running', 0, 0, 1, 1, '', '[]')
                    """)
            }
        }
        let store = try SQLiteStore(path: path)
        var record = try #require(try await store.instance(id: "demo-api-1"))
        #expect(record.addresses.isEmpty)
        #expect(record.ports == [3000])
        record.addresses = ["demo_default": "10.220.0.3", "demo_back": "10.220.1.4"]
        try await store.saveInstance(record)
        #expect(try await SQLiteStore(path: path).instance(id: "demo-api-1")?.addresses == record.addresses)
    }
}
