/// One service of a stack, normalized: every Compose default filled in, every path absolute,
/// every short form expanded, every variable interpolated.
public struct Service: Sendable, Hashable {
    public var name: String
    /// An image from the local store; nil runs `command` from the host root filesystem.
    public var image: String?
    /// When `up` pulls `image` (`pull_policy`, default: when missing).
    public var pullPolicy: PullPolicy = .missing
    /// How the node builds `image` (`build:`); such an image is built, never pulled.
    public var build: BuildSettings?
    /// The image's platform (`platform: linux/arm64`), when not the node's own.
    public var platform: String?
    public var entrypoint: [String]?
    public var command: [String]?
    public var environment: [String: String]
    public var workingDir: String?
    public var user: String?
    public var hostname: String?
    /// The instance's NIS domain name (`domainname`).
    public var domainname: String?
    /// The MAC address of the instance's interface on its first network (`mac_address`).
    public var macAddress: String?
    public var ports: [PortMapping]
    /// Ports the service listens on without publishing them (`expose`), one mapping per port.
    public var expose: [PortMapping]
    /// Bind mounts, named volumes and tmpfs mounts (Compose's `tmpfs:` is folded in here).
    public var volumes: [VolumeMount]
    /// Top-level secrets and configs the instances get as read-only copies (`FileReference`).
    public var secrets: [FileReference] = []
    public var configs: [FileReference] = []
    public var dependsOn: [ServiceDependency]
    public var healthcheck: Healthcheck?
    public var restart: RestartPolicy
    public var deploy: DeploySettings
    public var readOnly: Bool
    public var capAdd: [String]
    public var capDrop: [String]
    public var security: SecurityOptions
    public var ulimits: [String: Ulimit]
    public var stopSignal: StopSignal
    /// Whether `stopSignal` is the service's own: false only for a service with an image whose
    /// stack file does not set `stop_signal` (the image's `StopSignal` then applies).
    public var stopSignalWritten = true
    public var stopGracePeriod: Duration
    /// Run inside each instance once its workload has started (`post_start`), in order.
    public var postStart: [ServiceHook] = []
    /// Run inside each instance before the agent stops it (`pre_stop`), in order.
    public var preStop: [ServiceHook] = []
    public var labels: [String: String]
    public var profiles: [String]
    /// nil when the file writes neither `network_mode` nor `networks`: the agent's configured
    /// default applies (`bridge` unless configured otherwise); `bridge` when it writes `networks`.
    public var networkMode: NetworkMode?
    /// `oom_score_adj` (-1000…1000); nil: 0, not the agent's own.
    public var oomScoreAdj: Int?
    /// The networks to attach, in attachment order (highest priority first, then by name);
    /// empty on bridge means the stack's `default` network (`Stack.networks(of:defaultMode:)`).
    public var networks: [ServiceNetwork]
    public var extraHosts: [ExtraHost]
    /// Name servers for the instance's resolv.conf (IP addresses).
    public var dns: [String]
    public var dnsSearch: [String]
    public var dnsOptions: [String]
    public var aicore: AICoreExtension
    /// `privileged: true`: every capability, no seccomp filter, every device, no masked paths.
    /// Loaded only where the agent allows it (`StackLoadOptions.allowsPrivileged`).
    public var privileged = false
    /// Host device nodes bound into the instance's /dev and allowed in its device cgroup.
    public var devices: [DeviceMapping] = []
    /// Supplementary groups of the workload besides its user's (`group_add`): names, resolved in
    /// the instance's root filesystem when it starts, or numbers.
    public var groupAdd: [String] = []
    /// `logging`; nil: the node's default (CRI lines in a rotated file, 10 MiB × 3).
    public var logging: LoggingSettings?
    /// `shm_size`, `sysctls` and the cgroup keys beyond `deploy.resources` (`cpu_shares`, …).
    public var kernel = KernelSettings()
    /// Other `x-` keys of the service, kept as written.
    public var extensions: [String: ConfigValue]
    /// Compose keys aicore-node reports but does not act on (`container_name`, …), kept
    /// as written so that printing and merging lose nothing.
    public var unimplemented: [String: ConfigValue]

    public static let defaultStopGracePeriod = Duration.seconds(10)

    public init(name: String) {
        self.name = name
        image = nil
        entrypoint = nil
        command = nil
        environment = [:]
        workingDir = nil
        user = nil
        hostname = nil
        domainname = nil
        macAddress = nil
        ports = []
        expose = []
        volumes = []
        dependsOn = []
        healthcheck = nil
        restart = RestartPolicy(condition: .no)
        deploy = DeploySettings()
        readOnly = false
        capAdd = []
        capDrop = []
        security = SecurityOptions()
        ulimits = [:]
        stopSignal = .term
        stopGracePeriod = Self.defaultStopGracePeriod
        labels = [:]
        profiles = []
        networkMode = nil
        oomScoreAdj = nil
        networks = []
        extraHosts = []
        dns = []
        dnsSearch = []
        dnsOptions = []
        aicore = AICoreExtension()
        extensions = [:]
        unimplemented = [:]
    }
}

extension Service {
    /// The service-level `mac_address` as its six bytes (the loader has checked it parses).
    public var macBytes: [UInt8]? { macAddress.flatMap(NetworkSyntax.macBytes) }
}
