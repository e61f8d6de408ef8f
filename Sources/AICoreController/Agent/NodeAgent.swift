import AICoreAddresses
import AICoreErrors
import AICoreImages
import AICoreRuntime
import AICoreSpec
import AICoreSupervisor
import AICoreSystem

/// What the controller needs from a node: the only way it touches one. In-process today
/// (`LocalNodeAgent`); the agent's REST API when there are several hosts. The controller does
/// no host I/O of its own: what it learns of the host (capacity, users, volume directories,
/// logs) and does to it comes through here, and an implementation does that I/O off every
/// actor and off the cooperative pool.
public protocol NodeAgent: Sendable {
    /// The node's name, as placements name it.
    var node: String { get }
    /// What the node can give to reservations (its CPUs and memory, less its reserve).
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
    /// Runs the instance's `pre_stop` hooks now, before its traffic is drained (Compose runs
    /// them before the stop); the `stop` that follows does not run them again. Returns when they
    /// are done, failed (an event) or used up the stop grace period.
    func prepareToStop(stack: String, instance: String) async
    /// Waits until `verdict` of the instance is not `.waiting` and returns it; `.waiting` when
    /// the caller is cancelled. nil when the node does not run the instance.
    func wait(stack: String, instance: String,
              until verdict: @escaping @Sendable (InstanceSnapshot) -> GateVerdict) async -> GateVerdict?

    /// Sends `signal` (named `name`) to the instance's workload (`kill`); see
    /// `TaskRunner.deliver`. Throws `.notFound` when the node runs no such instance.
    func signal(stack: String, instance: String, signal: Int32, name: String) async throws
    /// Freezes (`paused`) or thaws the instance's processes (`pause`, `unpause`).
    func setPaused(stack: String, instance: String, _ paused: Bool) async throws
    /// Waits until the instance's process is not running (exited, failed, waiting to restart, or
    /// never started) and returns its last exit code (nil: none known); returns nil at once when
    /// the node runs no such instance, and the current state when the caller is cancelled.
    func waitForExit(stack: String, instance: String) async -> InstanceSnapshot?

    /// Stops every instance of `service` without forgetting it (`docker compose stop`): each
    /// stays, stopped, until it is started again. Returns their names.
    func stopKeeping(stack: String, service: String) async -> [String]
    /// On the agent's way out: stops every instance (dependents first), or lets go of them all,
    /// left running for the next agent to re-adopt.
    func release(stoppingInstances: Bool) async

    /// The instance as the runner keeping it sees it now; nil when the node runs none for it
    /// (its Store record is then all there is). `detail`: with its probe log, and only once
    /// its events up to this state are in the Store; `stats`: with what it uses now.
    func status(stack: String, instance: String, detail: Bool, stats: Bool) async -> InstanceLiveStatus?
    /// Runs `command` inside the instance (as `options` say: user, working directory, more
    /// environment) until it ends or `timeout`, with at most `outputLimit` bytes of its output;
    /// nil when the instance is not running (nothing to exec into).
    func exec(stack: String, instance: String, command: [String], options: ExecOptions, timeout: Duration,
              outputLimit: Int) async throws -> ExecOutcome?
    /// The instance's root as its processes see it (`cp`); nil when the instance is not
    /// running (its root and mounts exist only while it runs).
    func rootDirectory(stack: String, instance: String) async throws -> RootedDirectory?

    /// The log of an instance (its rotated files).
    func logReader(instance: String) -> LogReader
    /// The stack's removed instances whose logs are kept (`logs --previous`), by name.
    func previousLogs(stack: String) async throws -> [String]
    func previousLogReader(stack: String, instance: String) -> LogReader
    /// Removes the kept logs of the stack's removed instances (the stack went down).
    func removePreviousLogs(stack: String) async throws

    /// Every volume directory on the node, by name.
    func volumeDirectories() async throws -> [VolumeDirectory]
    func createVolume(_ volume: VolumePlan) async throws
    /// Removes a volume's directory; returns the bytes it took on disk.
    @discardableResult
    func removeVolume(path: String) async throws -> UInt64

    /// Makes (or finds) bridge networks with a VIP for each of their services; the same request
    /// gets the same answer, also after an agent restart.
    func ensureNetworks(_ requests: [NetworkRequest]) async throws -> [String: NetworkLease]
    /// The bridge networks as they stand, without changing anything.
    func networkLeases(_ names: [String]) async -> [String: NetworkLease]
    /// Removes bridge networks (their bridges, VIPs and addresses): the stack went down.
    func removeNetworks(_ names: [String]) async throws
    /// Each of `subnets` that overlaps a route of the node (not one of its own bridges'), with
    /// that route; changes nothing.
    func hostRouteOverlaps(_ subnets: [IPv4Network]) async throws -> [IPv4Network: IPv4Network]
    /// The same for IPv6 subnets, against the node's IPv6 routes.
    func hostRouteOverlaps6(_ subnets: [IPv6Network]) async throws -> [IPv6Network: IPv6Network]

    /// The node's images (pulled, loaded, unpacked); nil for a node without an image store.
    var images: ImageService? { get }
    /// The layers (chain IDs) the node's instances stand on: an image pruned or re-pulled
    /// under a running instance keeps them.
    func imageLayersInUse() async -> Set<Digest>
}

extension NodeAgent {
    public var images: ImageService? { nil }

    public func ensureNetworks(_ requests: [NetworkRequest]) async throws -> [String: NetworkLease] {
        guard requests.isEmpty else {
            throw AICoreError(.unavailable, "node \(node) has no bridge networks; use `network_mode: host`")
        }
        return [:]
    }

    public func networkLeases(_ names: [String]) async -> [String: NetworkLease] { [:] }
    public func removeNetworks(_ names: [String]) async throws {}
    public func hostRouteOverlaps(_ subnets: [IPv4Network]) async throws -> [IPv4Network: IPv4Network] { [:] }
    public func hostRouteOverlaps6(_ subnets: [IPv6Network]) async throws -> [IPv6Network: IPv6Network] { [:] }
    public func imageLayersInUse() async -> Set<Digest> { [] }
    public func prepareToStop(stack: String, instance: String) async {}

    public func stop(stack: String, instance: String) async throws {
        try await stop(stack: stack, instance: instance, retainingPort: false)
    }
}
