import AICoreSpec
import AICoreSupervisor

/// What the controller needs from a node: the only way it touches one. In-process today
/// (`LocalNodeAgent`); the agent's REST API when there are several hosts.
public protocol NodeAgent: Sendable {
    /// The node's name, as placements name it.
    var node: String { get }
    func capacity() async throws -> NodeCapacity
    /// Each of `users` (a service's `user:`: a name or uid, with an optional `:group`) as the
    /// node resolves it, for the owner of the volumes it creates.
    func lookUpUsers(_ users: Set<String>) async -> [String: UserLookup]

    /// Starts (or re-adopts) replica `replica` of `service`; returns once its start has
    /// happened or failed (its restart policy then goes on by itself).
    func start(stack: Stack, service: Service, replica: Int, replicas: Int, network: InstanceNetwork) async throws
    /// Stops the instance, waits for it to exit and forgets it (its Store record goes too).
    /// `retainingPort`: an operator's restart, whose next start of the same instance keeps
    /// the port it had (its `$PORT`).
    func stop(stack: String, instance: String, retainingPort: Bool) async throws
    /// Waits until `verdict` of the instance is not `.waiting` and returns it; `.waiting` when
    /// the caller is cancelled. nil when the node does not run the instance.
    func wait(stack: String, instance: String,
              until verdict: @escaping @Sendable (InstanceSnapshot) -> GateVerdict) async -> GateVerdict?

    /// Every volume directory on the node, by name.
    func volumeDirectories() async throws -> [VolumeDirectory]
    func createVolume(_ volume: VolumePlan) async throws
    /// Removes a volume's directory; returns the bytes it took on disk.
    @discardableResult
    func removeVolume(path: String) async throws -> UInt64
}

extension NodeAgent {
    public func stop(stack: String, instance: String) async throws {
        try await stop(stack: stack, instance: instance, retainingPort: false)
    }
}
