import AICoreErrors
import AICoreStore

/// The Store the agent hands to everything below it, telling `observer` about every instance
/// record and event as it is written. This is how the proxy learns readiness and `/v1/events`
/// streams events without polling: the runners already write every change here.
public struct ObservedStore: Store {
    public let base: any Store
    public let observer: StoreObserver

    public init(base: any Store, observer: StoreObserver) {
        self.base = base
        self.observer = observer
    }

    public func saveStack(name: String, specHash: String, spec: String) async throws(AICoreError) -> Int {
        try await base.saveStack(name: name, specHash: specHash, spec: spec)
    }
    public func stack(named name: String) async throws(AICoreError) -> StackRecord? { try await base.stack(named: name) }
    public func saveConfigFiles(stack: String, files: [String]) async throws(AICoreError) {
        try await base.saveConfigFiles(stack: stack, files: files)
    }
    public func stacks() async throws(AICoreError) -> [StackRecord] { try await base.stacks() }
    public func deleteStack(name: String) async throws(AICoreError) { try await base.deleteStack(name: name) }
    public func revisions(stack: String) async throws(AICoreError) -> [RevisionRecord] { try await base.revisions(stack: stack) }
    public func saveService(_ service: ServiceRecord) async throws(AICoreError) { try await base.saveService(service) }
    public func services(stack: String) async throws(AICoreError) -> [ServiceRecord] { try await base.services(stack: stack) }
    public func deleteService(stack: String, name: String) async throws(AICoreError) {
        try await base.deleteService(stack: stack, name: name)
    }

    public func saveInstance(_ instance: InstanceRecord) async throws(AICoreError) {
        try await base.saveInstance(instance)
        observer.saved(instance)
    }
    public func instance(id: String) async throws(AICoreError) -> InstanceRecord? { try await base.instance(id: id) }
    public func instances(stack: String?) async throws(AICoreError) -> [InstanceRecord] { try await base.instances(stack: stack) }
    public func deleteInstance(id: String) async throws(AICoreError) {
        try await base.deleteInstance(id: id)
        observer.deleted(id)
    }

    public func recordServiceRevision(stack: String, service: String, specHash: String, stackRevision: Int, cause: String,
                                      keep: Int, pinned: Set<String>) async throws(AICoreError) -> ServiceRevisionRecord {
        try await base.recordServiceRevision(stack: stack, service: service, specHash: specHash, stackRevision: stackRevision,
                                             cause: cause, keep: keep, pinned: pinned)
    }
    public func serviceRevisions(stack: String, service: String) async throws(AICoreError) -> [ServiceRevisionRecord] {
        try await base.serviceRevisions(stack: stack, service: service)
    }
    public func saveRollout(_ rollout: RolloutRecord) async throws(AICoreError) { try await base.saveRollout(rollout) }
    public func rollouts(stack: String) async throws(AICoreError) -> [RolloutRecord] { try await base.rollouts(stack: stack) }

    public func vips() async throws(AICoreError) -> [VIPRecord] { try await base.vips() }
    public func saveVIP(_ vip: VIPRecord) async throws(AICoreError) { try await base.saveVIP(vip) }
    public func deleteVIP(stack: String, service: String) async throws(AICoreError) {
        try await base.deleteVIP(stack: stack, service: service)
    }

    public func saveVolume(_ volume: VolumeRecord) async throws(AICoreError) { try await base.saveVolume(volume) }
    public func volume(named name: String) async throws(AICoreError) -> VolumeRecord? { try await base.volume(named: name) }
    public func volumes(stack: String?) async throws(AICoreError) -> [VolumeRecord] { try await base.volumes(stack: stack) }
    public func deleteVolume(named name: String) async throws(AICoreError) { try await base.deleteVolume(named: name) }

    public func appendEvents(_ events: [EventRecord]) async throws(AICoreError) {
        try await base.appendEvents(events)
        observer.appended(events)
    }
    public func events(instance: String?, limit: Int) async throws(AICoreError) -> [EventRecord] {
        try await base.events(instance: instance, limit: limit)
    }
    public func deleteEvents(stack: String) async throws(AICoreError) { try await base.deleteEvents(stack: stack) }

    public func saveInstance(_ instance: InstanceRecord, appending events: [EventRecord]) async throws(AICoreError) {
        try await base.saveInstance(instance, appending: events)
        observer.saved(instance)
        observer.appended(events)
    }
}
