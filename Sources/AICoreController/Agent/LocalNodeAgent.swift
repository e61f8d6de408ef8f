import AICoreAddresses
import AICoreErrors
import AICoreImages
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreSystem

/// The node agent in the controller's own process: one `Supervisor` per stack over the local
/// `TaskDriver`. What it reads of the host (`capacity`, `users`) is handed to it, so that the
/// controller's module holds no host code: the agent process passes the real readers
/// (/proc/meminfo and sysconf, /etc/passwd and /etc/group), tests their own.
public actor LocalNodeAgent<C: Clock>: NodeAgent where C.Duration == Duration, C.Instant: Sendable {
    public nonisolated let node: String
    public nonisolated let images: ImageService?
    private let driver: any TaskDriver
    private let store: any Store
    private let prober: any ProbeExecutor
    private let clock: C
    private nonisolated let layout: SupervisorLayout
    private let jitter: Jitter
    private let capacityProbe: @Sendable () throws -> NodeCapacity
    private let userLookup: @Sendable (String) throws -> (uid: UInt32, gid: UInt32)
    private var supervisors: [String: Supervisor<C>] = [:]
    /// This node's bridge networks; nil: host networking only.
    private let networks: NodeNetworks?
    /// The resolver instances on bridge networks ask (127.0.0.11); nil: none.
    private let resolver: InstanceResolver?

    public init(node: String = "local", driver: any TaskDriver, store: any Store, prober: any ProbeExecutor, clock: C,
                layout: SupervisorLayout, jitter: Jitter = .standard,
                capacity: @escaping @Sendable () throws -> NodeCapacity,
                users: @escaping @Sendable (String) throws -> (uid: UInt32, gid: UInt32),
                images: ImageService? = nil, networks: NodeNetworks? = nil, resolver: InstanceResolver? = nil) {
        self.node = node
        self.networks = networks
        self.resolver = resolver
        self.images = images
        self.driver = driver
        self.store = store
        self.prober = prober
        self.clock = clock
        self.layout = layout
        self.jitter = jitter
        self.capacityProbe = capacity
        self.userLookup = users
    }

    // The host's /proc, /etc/passwd, volume and kept-log directories are read and changed on a
    // thread of their own (`BlockingWork`): none of it may hold this actor, which every start
    // and stop goes through, nor the cooperative pool. So are a runner's stats (the driver's).

    public func capacity() async throws -> NodeCapacity {
        let probe = capacityProbe
        return try await BlockingWork.run { try probe() }
    }

    public func lookUpUsers(_ users: Set<String>) async -> [String: UserLookup] {
        guard !users.isEmpty else { return [:] }
        let lookup = userLookup
        // The body never throws: each user's failure is its own answer.
        return (try? await BlockingWork.run {
            Dictionary(uniqueKeysWithValues: users.map { user in
                do {
                    let owner = try lookup(user)
                    return (user, UserLookup.found(uid: owner.uid, gid: owner.gid))
                } catch {
                    return (user, UserLookup.failed("\(error)"))
                }
            })
        }) ?? [:]
    }

    /// The supervisor of a stack's instances (tests look at its runners).
    public func supervisor(stack: String) -> Supervisor<C>? { supervisors[stack] }

    public func start(stack: Stack, service: Service, replica: Int, replicas: Int, network: InstanceNetwork) async throws {
        let supervisor = supervisors[stack.name] ?? Supervisor(stack: stack, driver: driver, store: store, prober: prober,
                                                                clock: clock, layout: layout, jitter: jitter)
        supervisors[stack.name] = supervisor
        let image = try await runImage(for: service)
        var network = network
        if network.isBridged {
            guard let networks else {
                throw AICoreError(.unavailable, "service \(service.name) is on bridge networks, and node \(node) has none; use `network_mode: host`")
            }
            let id = InstanceIdentity(stack: stack.name, service: service.name, replica: replica).id
            (network.attachments, network.addresses, network.addresses6) = try await networks.attach(instance: id, network.joins)
            if let resolver {
                resolver.register(instance: id, networks: network.joins.map(\.network), dns: service.dns)
                network.resolvConf = resolver.resolvConf(for: service)
            }
        }
        if let other = network.sharing {
            let owner = InstanceIdentity(stack: stack.name, service: other, replica: 1).id
            guard await supervisor.runner(owner)?.currentHandle != nil else {
                throw AICoreError(.unavailable, "service \(service.name) shares the network of \(other), whose first instance \(owner) is not running")
            }
            network.sharedInstance = owner
        }
        let runner = try await supervisor.launch(service, replica: replica, replicas: replicas, network: network, image: image)
        // A running instance re-adopted after an agent restart: its namespace is served again.
        if network.isBridged, let resolver, let pid = await runner.currentHandle?.pid {
            try await resolver.adopt(instance: runner.identity.id, pid: pid)
        }
        // Returns once the start has happened (or failed): plans start instances in their order.
        _ = await runner.waitUntil { $0.state != .created && $0.state != .starting }
    }

    /// The image `service` names, as this node has it; nil for a service run from the host's
    /// root. The controller pulls before it starts anything: an image missing here is an error.
    func runImage(for service: Service) async throws -> RunImage? {
        guard let name = service.image else { return nil }
        guard let images else {
            throw AICoreError(.unavailable, "service \(service.name) names the image \(name), and this node has no image store")
        }
        guard let record = await images.image(name) else {
            throw AICoreError(.notFound, "service \(service.name): the image \(name) is not on this node; `aicore-node pull` or `aicore-node image load` it")
        }
        let configuration = try await images.configuration(of: record)
        return RunImage(name: record.name, id: record.id, configuration: configuration,
                        root: TaskSpec.ImageRoot(layersBase: images.layerStore.root, layers: images.layerNames(of: record)))
    }

    public func imageLayersInUse() async -> Set<Digest> {
        var layers = Set<Digest>()
        for supervisor in supervisors.values {
            for runner in await supervisor.instances.values {
                for name in runner.configuration.taskSpec.imageRoot?.layers ?? [] {
                    if let digest = try? Digest(parsing: "sha256:\(name)") { layers.insert(digest) }
                }
            }
        }
        return layers
    }

    public func stop(stack: String, instance: String, retainingPort: Bool) async throws {
        if let supervisor = supervisors[stack] {
            try await supervisor.remove(instance: instance, retainingPort: retainingPort)
            if await supervisor.isIdle { supervisors[stack] = nil }
        } else {
            try await store.deleteInstance(id: instance)
        }
        await resolver?.forget(instance: instance)
        // An operator's restart keeps the instance's addresses, as it keeps its port.
        if !retainingPort { try await networks?.release(instance: instance) }
    }

    public func ensureNetworks(_ requests: [NetworkRequest]) async throws -> [String: NetworkLease] {
        guard !requests.isEmpty else { return [:] }
        guard let networks else {
            throw AICoreError(.unavailable, "node \(node) has no bridge networks; use `network_mode: host`")
        }
        return try await networks.ensure(requests)
    }

    public func networkLeases(_ names: [String]) async -> [String: NetworkLease] {
        await networks?.leases(names) ?? [:]
    }

    public func removeNetworks(_ names: [String]) async throws {
        try await networks?.remove(names)
    }

    public func hostRouteOverlaps(_ subnets: [IPv4Network]) async throws -> [IPv4Network: IPv4Network] {
        try await networks?.hostRouteOverlaps(subnets) ?? [:]
    }

    public func hostRouteOverlaps6(_ subnets: [IPv6Network]) async throws -> [IPv6Network: IPv6Network] {
        try await networks?.hostRouteOverlaps6(subnets) ?? [:]
    }

    public func wait(stack: String, instance: String,
                     until verdict: @escaping @Sendable (InstanceSnapshot) -> GateVerdict) async -> GateVerdict? {
        guard let runner = await supervisors[stack]?.runner(instance) else { return nil }
        let status = await runner.waitUntil { verdict(Self.snapshot($0)) != .waiting }
        return verdict(Self.snapshot(status))
    }

    static func snapshot(_ status: TaskRunner<C>.Status) -> InstanceSnapshot {
        InstanceSnapshot(state: status.state, ready: status.ready, lastExit: status.lastExit,
                         lastExitCode: status.lastExitCode, finished: status.finished)
    }

    public func stopKeeping(stack: String, service: String) async -> [String] {
        guard let supervisor = supervisors[stack] else { return [] }
        let runners = await supervisor.instances.values.filter { $0.identity.service == service }
        await withTaskGroup(of: Void.self) { group in
            for runner in runners { group.addTask { await runner.stop() } }
        }
        return runners.map(\.identity.id).sorted()
    }

    public func release(stoppingInstances: Bool) async {
        for (_, supervisor) in supervisors.sorted(by: { $0.key < $1.key }) {
            if stoppingInstances {
                await supervisor.stopAll()
            } else {
                await supervisor.detachAll()
            }
        }
    }

    public func status(stack: String, instance: String, detail: Bool, stats: Bool) async -> InstanceLiveStatus? {
        guard let runner = await supervisors[stack]?.runner(instance) else { return nil }
        let live = await runner.status
        var status = InstanceLiveStatus(state: live.state, pid: live.pid, restartCount: live.restartCount,
                                        lastExit: live.lastExit, lastExitCode: live.lastExitCode, health: live.health,
                                        ready: live.ready, finished: live.finished, probeLog: detail ? live.probeLog : nil)
        // The cgroup's files are read on a thread of the driver's (`BlockingWork`).
        if stats, let handle = await runner.currentHandle {
            status.stats = try? await driver.stats(handle)
        }
        // The runner writes its events to the Store just after it changes state: wait for
        // those, so the events shown with this status include the one that led to it.
        if detail { await runner.flush() }
        return status
    }

    public func exec(stack: String, instance: String, command: [String], options: ExecOptions, timeout: Duration,
                     outputLimit: Int) async throws -> ExecOutcome? {
        guard let runner = await supervisors[stack]?.runner(instance), let handle = await runner.currentHandle,
              [.running, .healthy, .unhealthy, .starting].contains(await runner.currentState) else { return nil }
        return try await driver.run(handle, command: command, options: options, timeout: timeout, outputLimit: outputLimit)
    }

    public func rootDirectory(stack: String, instance: String) async throws -> RootedDirectory? {
        guard let runner = await supervisors[stack]?.runner(instance), let handle = await runner.currentHandle,
              [.running, .healthy, .unhealthy, .starting, .paused].contains(await runner.currentState) else { return nil }
        return try await driver.rootDirectory(handle)
    }

    public nonisolated func logReader(instance: String) -> LogReader {
        LogReader(directory: layout.logDirectory(for: instance))
    }

    public func previousLogs(stack: String) async throws -> [String] {
        let layout = self.layout
        return try await BlockingWork.run { try PreviousLogs.instances(stack: stack, layout: layout) }
    }

    public nonisolated func previousLogReader(stack: String, instance: String) -> LogReader {
        LogReader(directory: layout.previousLogDirectory(stack: stack, id: instance))
    }

    public func removePreviousLogs(stack: String) async throws {
        let layout = self.layout
        try await BlockingWork.run { try PreviousLogs.remove(stack: stack, layout: layout) }
    }

    public func volumeDirectories() async throws -> [VolumeDirectory] {
        let directory = layout.volumesDirectory
        return try await BlockingWork.run { try VolumeDirectories.list(in: directory) }
    }

    public func createVolume(_ volume: VolumePlan) async throws {
        try await BlockingWork.run { try VolumeDirectories.create(path: volume.path, uid: volume.uid, gid: volume.gid) }
    }

    @discardableResult
    public func removeVolume(path: String) async throws -> UInt64 {
        try await BlockingWork.run { try VolumeDirectories.remove(path: path) }
    }
}
