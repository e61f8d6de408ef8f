/// Durable node state. SQLite (`SQLiteStore`) today; the seam for a PostgreSQL store when the
/// controller becomes highly available. Every call is async and runs off the caller's actor.
public protocol Store: Sendable {
    /// Records a stack's spec: a new revision when the hash differs from the current one.
    /// Returns the revision now current.
    func saveStack(name: String, specHash: String, spec: String) async throws(StoreError) -> Int
    func stack(named name: String) async throws(StoreError) -> StackRecord?
    /// Every stack on the node, by name.
    func stacks() async throws(StoreError) -> [StackRecord]
    /// Forgets a stack that went down, with its revisions.
    func deleteStack(name: String) async throws(StoreError)
    func revisions(stack: String) async throws(StoreError) -> [RevisionRecord]

    func saveService(_ service: ServiceRecord) async throws(StoreError)
    func services(stack: String) async throws(StoreError) -> [ServiceRecord]
    func deleteService(stack: String, name: String) async throws(StoreError)

    func saveInstance(_ instance: InstanceRecord) async throws(StoreError)
    func instance(id: String) async throws(StoreError) -> InstanceRecord?
    func instances(stack: String?) async throws(StoreError) -> [InstanceRecord]
    func deleteInstance(id: String) async throws(StoreError)

    /// Records that `service` is now meant to run `specHash`, and returns its revision: the
    /// newest one when it has that hash already; else an older one with that hash renumbered
    /// as the newest (`undo` goes back to it), or a new one. Beyond the newest, `keep` are kept,
    /// and every revision whose hash is `pinned` (replicas still run it, a rollout would go back
    /// to it), as Kubernetes never prunes a ReplicaSet that has replicas.
    func recordServiceRevision(stack: String, service: String, specHash: String, stackRevision: Int, cause: String,
                               keep: Int, pinned: Set<String>) async throws(StoreError) -> ServiceRevisionRecord
    /// A service's revisions, oldest first.
    func serviceRevisions(stack: String, service: String) async throws(StoreError) -> [ServiceRevisionRecord]
    func saveRollout(_ rollout: RolloutRecord) async throws(StoreError)
    /// The last rollout of each service of the stack.
    func rollouts(stack: String) async throws(StoreError) -> [RolloutRecord]

    /// Every service VIP on the node, by stack and service.
    func vips() async throws(StoreError) -> [VIPRecord]
    /// Records a VIP; an address already held by another service is refused.
    func saveVIP(_ vip: VIPRecord) async throws(StoreError)
    func deleteVIP(stack: String, service: String) async throws(StoreError)

    /// Records a named volume (replacing the record of the same name).
    func saveVolume(_ volume: VolumeRecord) async throws(StoreError)
    func volume(named name: String) async throws(StoreError) -> VolumeRecord?
    /// The volumes of one stack (every volume when nil), by name.
    func volumes(stack: String?) async throws(StoreError) -> [VolumeRecord]
    func deleteVolume(named name: String) async throws(StoreError)

    /// Appends events in order; the oldest beyond the retention limit are dropped.
    func appendEvents(_ events: [EventRecord]) async throws(StoreError)
    /// The newest `limit` events (of one instance when given), oldest first.
    func events(instance: String?, limit: Int) async throws(StoreError) -> [EventRecord]
    /// Forgets every event of a stack (`down`): a new stack of the same name starts with a
    /// clean history.
    func deleteEvents(stack: String) async throws(StoreError)

    /// Saves an instance and appends its events (in order) as one write: both or neither.
    func saveInstance(_ instance: InstanceRecord, appending events: [EventRecord]) async throws(StoreError)
}

extension Store {
    public func saveInstance(_ instance: InstanceRecord, appending events: [EventRecord]) async throws(StoreError) {
        try await saveInstance(instance)
        try await appendEvents(events)
    }
}
