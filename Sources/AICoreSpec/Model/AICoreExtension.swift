/// A service's `x-aicore` block: the Kubernetes semantics Compose has no words for.
public struct AICoreExtension: Sendable, Hashable {
    public var probes: ProbeSet
    public var rollout: RolloutSettings
    public var autoscale: AutoscaleSettings?
    public var disruptionBudget: DisruptionBudget?
    /// The environment variable that carries each replica's own port.
    public var portEnv: String
    /// Restart an instance whose Compose healthcheck keeps failing (Docker only marks it unhealthy).
    public var restartUnhealthy: Bool
    public var proxy: ProxySettings
    /// Host paths hidden from the service besides the defaults, when it runs on the host root
    /// (absolute; docs/runtime.md lists what is always hidden).
    public var hidePaths: [String]
    /// `security`: a preset that tightens the service (`restricted`: Kubernetes' Pod Security
    /// Standards "restricted").
    public var security: SecurityProfile = .standard

    public enum SecurityProfile: String, Sendable, Hashable, CaseIterable {
        /// aicore-node's defaults (docs/runtime.md).
        case standard = "default"
        /// Non-root, every capability dropped (only NET_BIND_SERVICE may be added), seccomp on,
        /// no_new_privs, and off the host network.
        case restricted
    }

    public init(
        probes: ProbeSet = ProbeSet(), rollout: RolloutSettings = RolloutSettings(),
        autoscale: AutoscaleSettings? = nil, disruptionBudget: DisruptionBudget? = nil, portEnv: String = "PORT",
        restartUnhealthy: Bool = true, proxy: ProxySettings = ProxySettings(), hidePaths: [String] = []
    ) {
        self.proxy = proxy
        self.probes = probes
        self.rollout = rollout
        self.autoscale = autoscale
        self.disruptionBudget = disruptionBudget
        self.portEnv = portEnv
        self.restartUnhealthy = restartUnhealthy
        self.hidePaths = hidePaths
    }
}
