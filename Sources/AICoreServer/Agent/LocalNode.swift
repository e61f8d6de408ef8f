import AICoreController
import AICoreDNS
import AICoreNetwork
import AICoreErrors
import AICoreImages
import AICoreOS
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreSystem
import Foundation
import Logging
import NIOPosix

/// Assembles the agent of one host: the one place that knows the concrete pieces under the
/// control plane. It opens the Store, chooses the cgroup driver, builds the `LinuxTaskDriver`
/// and the `LocalNodeAgent` (with the host's readers: /proc/meminfo and sysconf for capacity,
/// /etc/passwd and /etc/group for volume owners), and hands the `ControlPlane` only the seam.
public enum LocalNode {
    /// What is kept back from this host's capacity for the system and the agent.
    public static let reserve = SystemReserve()

    /// Opens the Store (one clear error when it cannot be opened: never an empty state while
    /// workloads may still run) and the runtime, and makes the control plane over them.
    /// Nothing is started or adopted yet: `ControlPlane.recover`.
    ///
    /// `cgroups` is the cgroup driver `cgroupManager(for:)` chose (it may ask systemd over
    /// D-Bus, so the agent does that on a thread of its own); nil: the cgroupfs driver.
    ///
    /// `bridgeNamespace`: where bridges are made (tests: a namespace they made, whose proxy and
    /// instances are there too); nil: the agent's own network namespace.
    public static func controlPlane(configuration: AgentConfiguration, proxy: any ProxyControl, logger: Logger,
                                    cgroups: (any CgroupManager)? = nil, bridgeNamespace: Int32? = nil) throws(AICoreError) -> ControlPlane {
        do {
            try FileIO.makeDirectories(configuration.stateDirectory, mode: 0o711)
            try FileIO.makeDirectories(configuration.runDirectory, mode: 0o711)
            try FileIO.makeDirectories(configuration.logDirectory, mode: 0o711)
        } catch {
            throw AICoreError(.internalError, "cannot create the agent's directories: \(error)", cause: error)
        }
        let base: SQLiteStore
        do {
            base = try SQLiteStore(path: configuration.stateDirectory + "/state.db")
        } catch {
            throw AICoreError(.unavailable, error.message, cause: error)
        }
        do {
            try restrictStateFiles(configuration)
        } catch {
            throw AICoreError(.internalError, "cannot restrict the agent's state files: \(error)", cause: error)
        }
        let store = ObservedStore(base: base, observer: StoreObserver())
        let layout = layout(for: configuration)
        let resolver = instanceResolver()
        let driver: LinuxTaskDriver
        do {
            let cgroups = try cgroups ?? CgroupDetection.detect(placement: cgroupPlacement())
            var runtime = LinuxTaskDriver.Configuration(
                stateRoot: layout.instancesDirectory,
                hiddenHostPaths: configuration.hiddenHostPaths,
                seccompCacheDirectory: configuration.stateDirectory + "/seccomp-cache",
                writableLayerRoot: configuration.stateDirectory + "/writable", bridgeNamespace: bridgeNamespace)
            runtime.networkReady = { instance, namespace in try resolver.namespaceReady(instance: instance, namespace: namespace) }
            runtime.allowsPrivileged = configuration.allowPrivileged
            runtime.notice = { instance, message in logger.warning("\(message)", metadata: ["instance": "\(instance)"]) }
            driver = try LinuxTaskDriver(configuration: runtime, cgroups: cgroups)
        } catch {
            throw AICoreError(.internalError, "cannot start the runtime: \(error)", cause: error)
        }
        let registry = RegistryClient(
            configuration: RegistryConfiguration(insecure: configuration.registryInsecure, mirrors: configuration.registryMirrors),
            credentials: .standard(ownFile: configuration.stateDirectory + "/auth.json"),
            logger: Logger(label: "aicore.registry"))
        let images = try ImageService(root: configuration.stateDirectory + "/images", registry: registry,
                                      logger: Logger(label: "aicore.images"))
        let networks = try NodeNetworks(stateFile: configuration.stateDirectory + "/networks.json", pools: configuration.networkPools,
                                        pools6: configuration.networkPools6, namespace: bridgeNamespace)
        let agent = LocalNodeAgent(driver: driver, store: store, prober: LiveProbeExecutor(driver: driver), clock: ContinuousClock(),
                                   layout: layout, capacity: { [override = configuration.capacity] in override.applied(to: try capacity()) }, users: { try user($0) }, images: images,
                                   networks: networks, resolver: resolver)
        return ControlPlane(configuration: configuration, store: store, agent: agent,
                            planner: ReconcilePlanner(layout: layout), proxy: proxy, logger: logger,
                            names: { names in resolver.server.updateRecords { $0.networks = names.networks } })
    }

    /// The resolver of instances on bridge networks, forwarding what is not ours to the host's
    /// resolvers (read now from /etc/resolv.conf: blocking, as the rest of the assembly).
    static func instanceResolver() -> InstanceResolver {
        let host = (try? ResolvConf.load()) ?? ResolvConf()
        let server = DNSServer(group: MultiThreadedEventLoopGroup.singleton, upstreams: DNSUpstream.from(host),
                               logger: Logger(label: "aicore.dns"))
        return InstanceResolver(server: server, hostSearch: host.search)
    }

    /// Where this agent keeps instances' state, logs and volumes, and its cgroup root.
    public static func layout(for configuration: AgentConfiguration) -> SupervisorLayout {
        var layout = SupervisorLayout(instancesDirectory: configuration.runDirectory + "/instances",
                                      logsDirectory: configuration.logDirectory,
                                      volumesDirectory: configuration.stateDirectory + "/volumes")
        layout.cgroupRoot = cgroupRoot(stateDirectory: configuration.stateDirectory)
        layout.journal = SystemJournalSink()
        return layout
    }

    /// This host's capacity: CPUs online and MemTotal, less `reserve`. Blocking (the agent
    /// calls it on a thread of its own).
    public static func capacity(reserve: SystemReserve = reserve) throws -> NodeCapacity {
        let host = try HostResources.read()
        return NodeCapacity(node: "local", rawCPUs: Double(host.cpus), rawMemoryBytes: host.memoryBytes, reserve: reserve)
    }

    /// A service's `user:` in the host's /etc/passwd and /etc/group (services run from the
    /// host root filesystem), as the runtime resolves it. Blocking.
    public static func user(_ user: String) throws -> (uid: UInt32, gid: UInt32) {
        let identity = try UserIdentity.resolveOnHost(user)
        return (identity.uid, identity.gid)
    }

    /// The Store (`state.db` and its WAL files) is root's alone, 0600, and so is the volumes
    /// directory, 0700: the umask (077) gives new ones these modes, this also fixes those an
    /// earlier version made 0644 and 0755.
    static func restrictStateFiles(_ configuration: AgentConfiguration) throws(SystemError) {
        for suffix in ["", "-wal", "-shm"] {
            let path = configuration.stateDirectory + "/state.db" + suffix
            if FileIO.exists(path) { try FileIO.setMode(path, 0o600) }
        }
        let volumes = configuration.stateDirectory + "/volumes"
        try FileIO.makeDirectories(volumes, mode: VolumeDirectories.rootMode)
        try FileIO.setMode(volumes, VolumeDirectories.rootMode)
    }

    /// Where instance cgroups go. Under systemd ≥ 254 with `DelegateSubgroup=supervisor` the
    /// agent starts in `<unit>/supervisor`, and instances go below the unit (`<unit>/aicore/…`).
    /// Without it (systemd 252, Debian 12) systemd must be able to put a restarted agent back
    /// into the unit's own cgroup, which cgroup v2 refuses (219/CGROUP) once that cgroup passes
    /// controllers to instance cgroups: instances then go under the hierarchy's root
    /// (`/sys/fs/cgroup/aicore/…`), as Docker's and Nomad's cgroupfs drivers do, and the unit's
    /// `KillMode=process` restarts leave them alone. docs/operations.md.
    static func cgroupPlacement(procSelfCgroup: String? = nil) -> CgroupPlacement {
        let text = procSelfCgroup ?? ((try? FileIO.readString("/proc/self/cgroup")) ?? "")
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return .hierarchyRoot }
        return line.hasSuffix("/supervisor") ? .delegated : .hierarchyRoot
    }

    /// The cgroup manager for the configured `cgroup_driver`: systemd's transient scopes
    /// (`auto` where the host has them, or `systemd`), else the cgroupfs driver placed by
    /// `cgroupPlacement`. `systemd` on a host without it is an error that says why. It may ask
    /// systemd over D-Bus: blocking, so it runs on a thread of its own.
    public static func cgroupManager(for configuration: AgentConfiguration) async throws(AICoreError) -> any CgroupManager {
        do {
            return try await BlockingWork.run {
                try CgroupDetection.detect(driver: configuration.cgroupDriver, placement: cgroupPlacement())
            }
        } catch let error as SystemError {
            throw AICoreError(.unavailable, "cgroup_driver: \(configuration.cgroupDriver): \(error)", cause: error)
        } catch {
            throw AICoreError(.internalError, "cannot choose the cgroup driver: \(error)", cause: error)
        }
    }

    /// The first component of this agent's instance cgroups: `aicore` for the service's state
    /// directory, `aicore-<8 hex digits of its path>` for any other agent (an embedded `up`, a
    /// benchmark, a test). Outside a systemd unit of their own, agents put instances under the
    /// hierarchy's root, and a start discards whatever runs in its instance's cgroup: two agents
    /// with a stack of the same name would otherwise kill each other's instances.
    public static func cgroupRoot(stateDirectory: String) -> String {
        let path = URL(fileURLWithPath: stateDirectory).standardizedFileURL.path
        guard path != AgentConfiguration().stateDirectory else { return "aicore" }
        return "aicore-" + ServiceSpecHash.text(path).prefix(8)
    }
}
