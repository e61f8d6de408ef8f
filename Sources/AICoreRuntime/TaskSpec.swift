import AICoreAddresses
import AICoreOS
import AICoreSystem

/// Everything needed to run one instance: the process, its isolation and its resources.
public struct TaskSpec: Sendable {
    public enum Network: Sendable, Equatable {
        /// The host's network namespace (DESIGN.md: host networking first).
        case host
        /// A fresh network namespace with only loopback.
        case none
        /// A fresh network namespace joined to one bridge per attachment by a veth pair each;
        /// the first attachment carries the default route.
        case bridge([BridgeAttachment])
        /// Another instance's network namespace (`network_mode: service:NAME`): its links,
        /// addresses and ports, as a pod's containers share one. Named by that instance's id,
        /// and found at each start in its current process (pid and start time both checked):
        /// a pid written down earlier could by now be any process's, the host's included.
        case joining(instance: String)
    }

    /// How an instance joins a bridge network: the driver makes a veth pair whose peer is born
    /// in the instance's namespace (`eth0`, `eth1`, … or the service's `interface_name`), with
    /// its address, before the workload starts.
    public struct BridgeAttachment: Sendable, Equatable {
        /// The bridge, which must exist in the driver's network namespace.
        public var bridge: String
        /// The veth's name on the bridge's side: unique on the node, at most 15 bytes.
        public var hostInterface: String
        /// Its peer's name inside the instance.
        public var interface: String
        public var address: IPv4Address
        public var prefix: Int
        /// The bridge's address: the instance's default route when this attachment has it.
        public var gateway: IPv4Address
        /// The link MTU (the bridge's); nil: the kernel's default.
        public var mtu: Int?
        /// Whether the default route goes through this link (an `internal` network has none);
        /// the IPv6 one too, when the link has IPv6.
        public var defaultRoute: Bool
        /// The instance's IPv6 address on an `enable_ipv6` network, its prefix length and the
        /// bridge's IPv6 address; nil: IPv4 only.
        public var address6: IPv6Address?
        public var prefix6: Int
        public var gateway6: IPv6Address?
        /// The interface's MAC (`mac_address`, 6 bytes); nil: the kernel's random one.
        public var mac: [UInt8]?

        public init(bridge: String, hostInterface: String, interface: String = "eth0", address: IPv4Address, prefix: Int,
                    gateway: IPv4Address, mtu: Int? = nil, defaultRoute: Bool = true,
                    address6: IPv6Address? = nil, prefix6: Int = 64, gateway6: IPv6Address? = nil, mac: [UInt8]? = nil) {
            self.address6 = address6
            self.prefix6 = prefix6
            self.gateway6 = gateway6
            self.mac = mac
            self.bridge = bridge
            self.hostInterface = hostInterface
            self.interface = interface
            self.address = address
            self.prefix = prefix
            self.gateway = gateway
            self.mtu = mtu
            self.defaultRoute = defaultRoute
        }
    }

    public enum Seccomp: Sendable, Equatable {
        case dockerDefault
        case unconfined
        case profile(SeccompProfile)
    }

    public struct HostEntry: Sendable, Equatable {
        public var name: String
        public var address: String
        public init(name: String, address: String) {
            self.name = name
            self.address = address
        }
    }

    public struct Logging: Sendable, Equatable {
        /// How the init writes the workload's output (Compose's `logging.driver`).
        public enum Format: Sendable, Equatable {
            /// CRI's timestamped lines (`local`, and `journald`, whose lines the agent forwards).
            case cri
            /// Docker's json-file lines.
            case json
            /// Nothing is written (`none`; not named so, which `== .none` would confuse with nil).
            case discard
        }

        /// nil: the instance's state directory.
        public var directory: String?
        public var maxBytes: UInt64
        public var maxFiles: Int
        public var format: Format
        public init(directory: String? = nil, maxBytes: UInt64 = 10 << 20, maxFiles: Int = 3, format: Format = .cri) {
            self.directory = directory
            self.maxBytes = maxBytes
            self.maxFiles = maxFiles
            self.format = format
        }
    }

    /// An image's unpacked layers, stacked with overlayfs into the instance's root.
    public struct ImageRoot: Sendable, Equatable {
        /// The layer store: the directory the layer names are relative to.
        public var layersBase: String
        /// Layer directory names in `layersBase`, top layer first.
        public var layers: [String]
        public init(layersBase: String, layers: [String]) {
            self.layersBase = layersBase
            self.layers = layers
        }
    }

    /// Unique instance id: names the state directory and, by default, the hostname.
    public var id: String
    /// Below the cgroup hierarchies, e.g. "aicore/demo/api/demo-api-1".
    public var cgroupPath: String
    public var command: [String]
    public var environment: [String]
    public var workingDirectory: String?
    /// `name|uid[:gid]`, resolved in the root filesystem; nil = root.
    public var user: String?
    /// Supplementary groups besides the user's (`group_add`): names resolved in the root
    /// filesystem's /etc/group, or gids.
    public var groupAdd: [String] = []
    /// nil = the host's `/`, always read-only (unless `imageRoot` is set).
    public var rootfs: String?
    /// The root is an image's layers, with a writable layer of the instance's own (fresh at each
    /// start); `rootfs` is then ignored.
    public var imageRoot: ImageRoot?
    /// Only meaningful with `rootfs` or `imageRoot`: the host root is always read-only.
    public var readOnlyRoot: Bool
    public var hostname: String?
    public var extraHosts: [HostEntry]
    /// The instance's /etc/resolv.conf (the agent's resolver at 127.0.0.11); nil: its root's.
    public var resolvConf: String?
    public var mounts: [MountSpec]
    /// Secrets and configs, copied into a tmpfs of the instance's own at each start and bound
    /// read-only at their destinations (`InstanceFile`).
    public var files: [InstanceFile] = []
    /// Host paths hidden besides the defaults when the root is the host's (`x-aicore.hide_paths`).
    public var hiddenPaths: [String]
    public var capAdd: [String]
    public var capDrop: [String]
    /// Host device nodes made available in the instance's /dev and allowed in its device
    /// cgroup (`devices`).
    public var devices: [Device] = []

    public struct Device: Sendable, Equatable {
        /// The host's node.
        public var source: String
        /// A path under /dev inside the instance.
        public var target: String
        /// `r`, `w`, `m`.
        public var permissions: String
        public init(source: String, target: String, permissions: String = "rwm") {
            self.source = source
            self.target = target
            self.permissions = permissions
        }
    }

    /// Every capability (`capAdd`/`capDrop` aside), no seccomp filter, every device, no masked
    /// or read-only paths under /proc and /sys: Docker's `--privileged`. The namespaces stay.
    /// Refused unless `LinuxTaskDriver.Configuration.allowsPrivileged`.
    public var privileged = false
    public var seccomp: Seccomp
    public var rlimits: [ResourceLimit]
    public var limits: CgroupLimits
    public var network: Network
    public var logging: Logging
    /// The workload's `oom_score_adj`: 0 unless the stack sets it, never the agent's own (its
    /// unit runs at -500, which instances would otherwise inherit: the kernel would then kill
    /// sshd before a leaking workload).
    public var oomScoreAdj: Int32 = 0
    /// The size of the instance's private `/tmp` (a tmpfs, charged to its cgroup).
    public var tmpSizeBytes: UInt64 = TaskSpec.defaultTmpSizeBytes
    /// 256 MiB: tmpfs's own default is half of the host's memory, for every instance at once.
    public static let defaultTmpSizeBytes: UInt64 = 256 << 20
    /// The size of the instance's `/dev/shm` (a tmpfs); nil: 64 MiB, as Docker.
    public var shmSizeBytes: UInt64?
    /// Sysctls written in the instance's own namespaces before its workload starts, by name
    /// (`net.core.somaxconn`): `net.*` needs a network namespace of its own, `kernel.shm*`,
    /// `kernel.msg*`, `kernel.sem` and `fs.mqueue.*` are the IPC namespace's. Anything else is
    /// refused: it would change the host (`TaskSpec+Sysctls.swift`).
    public var sysctls: [String: String] = [:]
    /// Copy the workload's output to these launcher descriptors too (foreground `run`).
    public var passthroughStdoutFD: Int32?
    public var passthroughStderrFD: Int32?

    public init(id: String, cgroupPath: String? = nil, command: [String], environment: [String] = [],
                workingDirectory: String? = nil, user: String? = nil, rootfs: String? = nil, imageRoot: ImageRoot? = nil,
                readOnlyRoot: Bool = false,
                hostname: String? = nil, extraHosts: [HostEntry] = [], mounts: [MountSpec] = [],
                hiddenPaths: [String] = [], capAdd: [String] = [], capDrop: [String] = [], seccomp: Seccomp = .dockerDefault,
                rlimits: [ResourceLimit] = [], limits: CgroupLimits = CgroupLimits(), network: Network = .host,
                logging: Logging = Logging(), passthroughStdoutFD: Int32? = nil, passthroughStderrFD: Int32? = nil) {
        self.id = id
        self.cgroupPath = cgroupPath ?? "aicore/run/\(id)"
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.rootfs = rootfs
        self.imageRoot = imageRoot
        self.readOnlyRoot = readOnlyRoot
        self.hostname = hostname
        self.extraHosts = extraHosts
        self.mounts = mounts
        self.hiddenPaths = hiddenPaths
        self.capAdd = capAdd
        self.capDrop = capDrop
        self.seccomp = seccomp
        self.rlimits = rlimits
        self.limits = limits
        self.network = network
        self.logging = logging
        self.passthroughStdoutFD = passthroughStdoutFD
        self.passthroughStderrFD = passthroughStderrFD
    }
}
