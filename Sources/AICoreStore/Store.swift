import AICoreErrors

/// Durable node state. SQLite (`SQLiteStore`) today; the seam for a PostgreSQL store when the
/// controller becomes highly available. Every call is async and runs off the caller's actor.
public protocol Store: Sendable {
    /// Records a stack's spec: a new revision when the hash differs from the current one.
    /// Returns the revision now current.
    func saveStack(name: String, specHash: String, spec: String) async throws(AICoreError) -> Int
    func stack(named name: String) async throws(AICoreError) -> StackRecord?
    /// Remembers the files a stack's apply came from (`ls`); nothing when the stack is unknown.
    func saveConfigFiles(stack: String, files: [String]) async throws(AICoreError)
    /// Every stack on the node, by name.
    func stacks() async throws(AICoreError) -> [StackRecord]
    /// Forgets a stack that went down, with its revisions.
    func deleteStack(name: String) async throws(AICoreError)
    func revisions(stack: String) async throws(AICoreError) -> [RevisionRecord]

    func saveService(_ service: ServiceRecord) async throws(AICoreError)
    func services(stack: String) async throws(AICoreError) -> [ServiceRecord]
    func deleteService(stack: String, name: String) async throws(AICoreError)

    func saveInstance(_ instance: InstanceRecord) async throws(AICoreError)
    func instance(id: String) async throws(AICoreError) -> InstanceRecord?
    func instances(stack: String?) async throws(AICoreError) -> [InstanceRecord]
    func deleteInstance(id: String) async throws(AICoreError)

    /// Records that `service` is now meant to run `specHash`, and returns its revision: the
    /// newest one when it has that hash already; else an older one with that hash renumbered
    /// as the newest (`undo` goes back to it), or a new one. Beyond the newest, `keep` are kept,
    /// and every revision whose hash is `pinned` (replicas still run it, a rollout would go back
    /// to it), as Kubernetes never prunes a ReplicaSet that has replicas.
    func recordServiceRevision(stack: String, service: String, specHash: String, stackRevision: Int, cause: String,
                               keep: Int, pinned: Set<String>) async throws(AICoreError) -> ServiceRevisionRecord
    /// A service's revisions, oldest first.
    func serviceRevisions(stack: String, service: String) async throws(AICoreError) -> [ServiceRevisionRecord]
    func saveRollout(_ rollout: RolloutRecord) async throws(AICoreError)
    /// The last rollout of each service of the stack.
    func rollouts(stack: String) async throws(AICoreError) -> [RolloutRecord]

    /// Every service VIP on the node, by stack and service.
    func vips() async throws(AICoreError) -> [VIPRecord]
    /// Records a VIP; an address already held by another service is refused.
    func saveVIP(_ vip: VIPRecord) async throws(AICoreError)
    func deleteVIP(stack: String, service: String) async throws(AICoreError)

    /// Records a named volume (replacing the record of the same name).
    func saveVolume(_ volume: VolumeRecord) async throws(AICoreError)
    func volume(named name: String) async throws(AICoreError) -> VolumeRecord?
    /// The volumes of one stack (every volume when nil), by name.
    func volumes(stack: String?) async throws(AICoreError) -> [VolumeRecord]
    func deleteVolume(named name: String) async throws(AICoreError)

    /// Appends events in order; the oldest beyond the retention limit are dropped.
    func appendEvents(_ events: [EventRecord]) async throws(AICoreError)
    /// The newest `limit` events (of one instance when given), oldest first.
    func events(instance: String?, limit: Int) async throws(AICoreError) -> [EventRecord]
    /// Forgets every event of a stack (`down`): a new stack of the same name starts with a
    /// clean history.
    func deleteEvents(stack: String) async throws(AICoreError)

    /// Saves an instance and appends its events (in order) as one write: both or neither.
    func saveInstance(_ instance: InstanceRecord, appending events: [EventRecord]) async throws(AICoreError)
}

extension Store {
    public func saveInstance(_ instance: InstanceRecord, appending events: [EventRecord]) async throws(AICoreError) {
        try await saveInstance(instance)
        try await appendEvents(events)
    }
}
