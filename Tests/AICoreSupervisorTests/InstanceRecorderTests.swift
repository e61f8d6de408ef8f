import AICoreErrors
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreTestSupport
import Logging
import Synchronization
import Testing
@testable import AICoreSupervisor

#if canImport(Glibc)
import Glibc
#endif

/// A real SQLite Store (in memory) whose instance and event writes fail while the test says so,
/// as a full disk or a read-only file would make them fail, and that counts the writes that
/// reached it.
final class FailingStore: Store {
    let base: SQLiteStore
    private let state = Mutex((failing: false, writes: 0))

    init() throws { base = try SQLiteStore(inMemory: 10_000) }

    func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }
    var writes: Int { state.withLock { $0.writes } }

    private func write() throws(AICoreError) {
        let failing = state.withLock { state -> Bool in
            if !state.failing { state.writes += 1 }
            return state.failing
        }
        if failing { throw AICoreError(code: .diskFull, message: "the disk holding the state database is full") }
    }

    func saveStack(name: String, specHash: String, spec: String) async throws(AICoreError) -> Int {
        try await base.saveStack(name: name, specHash: specHash, spec: spec)
    }
    func stack(named name: String) async throws(AICoreError) -> StackRecord? { try await base.stack(named: name) }
    func saveConfigFiles(stack: String, files: [String]) async throws(AICoreError) {
        try await base.saveConfigFiles(stack: stack, files: files)
    }
    func stacks() async throws(AICoreError) -> [StackRecord] { try await base.stacks() }
    func deleteStack(name: String) async throws(AICoreError) { try await base.deleteStack(name: name) }
    func revisions(stack: String) async throws(AICoreError) -> [RevisionRecord] { try await base.revisions(stack: stack) }
    func saveService(_ service: ServiceRecord) async throws(AICoreError) { try await base.saveService(service) }
    func services(stack: String) async throws(AICoreError) -> [ServiceRecord] { try await base.services(stack: stack) }
    func deleteService(stack: String, name: String) async throws(AICoreError) { try await base.deleteService(stack: stack, name: name) }
    func saveInstance(_ instance: InstanceRecord) async throws(AICoreError) {
        try write()
        try await base.saveInstance(instance)
    }
    func instance(id: String) async throws(AICoreError) -> InstanceRecord? { try await base.instance(id: id) }
    func instances(stack: String?) async throws(AICoreError) -> [InstanceRecord] { try await base.instances(stack: stack) }
    func deleteInstance(id: String) async throws(AICoreError) { try await base.deleteInstance(id: id) }
    func recordServiceRevision(stack: String, service: String, specHash: String, stackRevision: Int, cause: String,
                               keep: Int, pinned: Set<String>) async throws(AICoreError) -> ServiceRevisionRecord {
        try await base.recordServiceRevision(stack: stack, service: service, specHash: specHash, stackRevision: stackRevision,
                                             cause: cause, keep: keep, pinned: pinned)
    }
    func serviceRevisions(stack: String, service: String) async throws(AICoreError) -> [ServiceRevisionRecord] {
        try await base.serviceRevisions(stack: stack, service: service)
    }
    func saveRollout(_ rollout: RolloutRecord) async throws(AICoreError) { try await base.saveRollout(rollout) }
    func rollouts(stack: String) async throws(AICoreError) -> [RolloutRecord] { try await base.rollouts(stack: stack) }
    func vips() async throws(AICoreError) -> [VIPRecord] { try await base.vips() }
    func saveVIP(_ vip: VIPRecord) async throws(AICoreError) { try await base.saveVIP(vip) }
    func deleteVIP(stack: String, service: String) async throws(AICoreError) { try await base.deleteVIP(stack: stack, service: service) }
    func saveVolume(_ volume: VolumeRecord) async throws(AICoreError) { try await base.saveVolume(volume) }
    func volume(named name: String) async throws(AICoreError) -> VolumeRecord? { try await base.volume(named: name) }
    func volumes(stack: String?) async throws(AICoreError) -> [VolumeRecord] { try await base.volumes(stack: stack) }
    func deleteVolume(named name: String) async throws(AICoreError) { try await base.deleteVolume(named: name) }
    func appendEvents(_ events: [EventRecord]) async throws(AICoreError) {
        try write()
        try await base.appendEvents(events)
    }
    func events(instance: String?, limit: Int) async throws(AICoreError) -> [EventRecord] {
        try await base.events(instance: instance, limit: limit)
    }
    func deleteEvents(stack: String) async throws(AICoreError) { try await base.deleteEvents(stack: stack) }
    func saveInstance(_ instance: InstanceRecord, appending events: [EventRecord]) async throws(AICoreError) {
        try write()
        try await base.saveInstance(instance, appending: events)
    }
}

/// The runner's Store writer: in order, deferring only what may wait, and never losing a write
/// the Store refused.
@Suite struct InstanceRecorderTests {
    let clock = FakeClock()
    let store: FailingStore
    let notices = Notices()

    final class Notices: Sendable {
        private let list = Mutex<[String]>([])
        func append(_ text: String) { list.withLock { $0.append(text) } }
        var all: [String] { list.withLock { $0 } }
    }

    init() throws { store = try FailingStore() }

    func recorder(_ configuration: InstanceRecorder<FakeClock>.Configuration = .init()) -> InstanceRecorder<FakeClock> {
        let recorder = InstanceRecorder(store: store, clock: clock, configuration: configuration, logger: Logger(label: "test"))
        let notices = notices
        recorder.onNotice { notice in
            switch notice {
            case let .failed(error): notices.append("failed: \(error.message)")
            case let .recovered(after, dropped): notices.append("recovered after \(after), \(dropped) dropped")
            }
        }
        return recorder
    }

    func record(_ state: InstanceState) -> InstanceRecord {
        InstanceRecord(id: "demo-api-1", stack: "demo", service: "api", replica: 1, state: state)
    }

    func event(_ type: String) -> EventRecord {
        EventRecord(time: "t", stack: "demo", service: "api", instance: "demo-api-1", type: type, reason: type)
    }

    func storedEvents() async throws -> [String] {
        try await store.events(instance: "demo-api-1", limit: 100).map(\.type)
    }

    @Test func aRefusedWriteIsKeptAndWrittenWithWhatCameSinceOnceTheStoreTakesWritesAgain() async throws {
        let recorder = recorder()
        store.fail(true)
        recorder.record(record(.starting), event: event("starting"))
        await recorder.flush()
        recorder.record(record(.running), event: event("started"))
        await recorder.flush()
        #expect(try await store.instance(id: "demo-api-1") == nil)
        #expect(notices.all == ["failed: the disk holding the state database is full"], "said once, not per write")

        store.fail(false)
        // The retry waits out its back-off on the runner's clock.
        #expect(await eventually {
            clock.advance(by: .seconds(1))
            return (try? await store.instance(id: "demo-api-1"))?.state == .running
        })
        #expect(try await storedEvents() == ["starting", "started"], "each event once, in order")
        #expect(notices.all.last?.hasPrefix("recovered after ") == true)
        #expect(notices.all.last?.hasSuffix(", 0 dropped") == true)
    }

    @Test func eventsWaitingForTheStoreAreBoundedAndTheDroppedCounted() async throws {
        var configuration = InstanceRecorder<FakeClock>.Configuration()
        configuration.eventLimit = 3
        let recorder = recorder(configuration)
        store.fail(true)
        for type in ["a", "b", "c", "d", "e"] {
            recorder.record(record(.running), event: event(type))
        }
        await recorder.flush()
        store.fail(false)
        #expect(await eventually {
            clock.advance(by: .seconds(1))
            return (try? await storedEvents()) == ["c", "d", "e"]
        })
        #expect(await eventually { notices.all.last?.hasSuffix(", 2 dropped") == true })
    }

    @Test func aDeferrableRecordWaitsForTheIntervalUnlessSomethingUrgentComes() async throws {
        let recorder = recorder(.init(deferredInterval: .seconds(30)))
        recorder.record(record(.running), event: nil, deferrable: true)
        await recorder.flush()
        #expect(store.writes == 1, "the first write does not wait")

        recorder.record(record(.healthy), event: nil, deferrable: true)
        #expect(await clock.waitForSleepers(1))
        #expect(store.writes == 1)
        clock.advance(by: .seconds(30))
        #expect(await eventually { (try? await store.instance(id: "demo-api-1"))?.state == .healthy })
        #expect(store.writes == 2)

        // Within the interval again: an event is written at once, with the newest record.
        recorder.record(record(.unhealthy), event: nil, deferrable: true)
        recorder.record(record(.unhealthy), event: event("unhealthy"))
        await recorder.flush()
        #expect(try await storedEvents() == ["unhealthy"])
        #expect(store.writes == 3)
    }

    @Test func theRunnerSaysWhenTheStoreFailsAndWhenItRecovers() async throws {
        let driver = FakeTaskDriver()
        let configuration = RunnerConfiguration(
            identity: InstanceIdentity(stack: "demo", service: "api", replica: 1),
            taskSpec: TaskSpec(id: "demo-api-1", command: ["/bin/true"]), restart: RestartPolicy(condition: .no))
        let runner = TaskRunner(configuration: configuration, driver: driver, prober: FakeProbeExecutor(), clock: clock,
                                store: store, jitter: .none)
        store.fail(true)
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        #expect(await eventually { await runner.eventHistory.contains { $0.type == "store-failed" } })
        let failed = try #require(await runner.eventHistory.first { $0.type == "store-failed" })
        #expect(failed.reason.contains("the disk holding the state database is full"))

        store.fail(false)
        #expect(await eventually {
            clock.advance(by: .seconds(1))
            return await runner.eventHistory.contains { $0.type == "store-recovered" }
        })
        await runner.flush()
        // Nothing the runner said while the Store refused writes is missing from it.
        let stored = try await storedEvents()
        #expect(Set(stored) == ["starting", "started", "store-failed", "store-recovered"] && stored.count == 4, "\(stored)")
        #expect(stored.last == "store-recovered")
        #expect(try await store.instance(id: "demo-api-1")?.state == .running)
        await runner.stop()
    }
}
