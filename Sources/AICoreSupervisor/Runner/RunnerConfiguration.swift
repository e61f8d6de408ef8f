import AICoreRuntime
import AICoreSpec

/// What a `TaskRunner` needs to know about its instance, taken from the service's spec.
public struct RunnerConfiguration: Sendable {
    public var identity: InstanceIdentity
    public var taskSpec: TaskSpec
    public var restart: RestartPolicy
    /// nil or disabled: no Compose healthcheck.
    public var healthcheck: Healthcheck?
    public var probes: ProbeSet
    /// Restart an instance whose healthcheck keeps failing (`x-aicore.restart_unhealthy`, default true).
    public var restartUnhealthy: Bool
    public var stopSignal: Int32
    public var stopGracePeriod: Duration
    /// The port probes without a port use: the instance's first.
    public var ports: [Int]
    /// The service revision the instance runs (`ServiceSpecHash`), recorded with it.
    public var specHash: String?
    /// Network name → the instance's address on it (bridge networks), recorded with it.
    public var addresses: [String: String] = [:]
    /// Network name → its IPv6 address on it (IPv6 networks), recorded with it.
    public var addresses6: [String: String] = [:]
    /// Where HTTP and TCP probes connect: the instance's address on its first network (the
    /// pod IP, in Kubernetes' terms); nil: loopback (host networking).
    public var probeHost: String?
    /// Compose's `post_start` hooks, run in order after each start (`TaskRunner+Hooks`).
    public var postStart: [ServiceHook] = []
    /// Compose's `pre_stop` hooks, run in order before the stop signal when the agent stops
    /// the instance; all of them together get at most `stopGracePeriod`.
    public var preStop: [ServiceHook] = []
    /// `logging: {driver: journald}`: the lines the init writes to the log file go on to the
    /// journal (`JournalForwarder`); nil for every other driver.
    public var journal: JournalForwarding?
    /// How long one `post_start` hook may run before it is cut off (and reported).
    public var postStartTimeout: Duration = .seconds(300)

    public init(identity: InstanceIdentity, taskSpec: TaskSpec, restart: RestartPolicy, healthcheck: Healthcheck? = nil,
                probes: ProbeSet = ProbeSet(), restartUnhealthy: Bool = true, stopSignal: Int32 = 15,
                stopGracePeriod: Duration = .seconds(10), ports: [Int] = []) {
        self.identity = identity
        self.taskSpec = taskSpec
        self.restart = restart
        self.healthcheck = healthcheck?.isDisabled == true ? nil : healthcheck
        self.probes = probes
        self.restartUnhealthy = restartUnhealthy
        self.stopSignal = stopSignal
        self.stopGracePeriod = stopGracePeriod
        self.ports = ports
    }

    /// From a service: policy, checks, stop signal and grace period as the stack file says.
    public init(service: Service, identity: InstanceIdentity, taskSpec: TaskSpec, ports: [Int]? = nil) {
        self.init(identity: identity, taskSpec: taskSpec, restart: service.restart, healthcheck: service.healthcheck,
                  probes: service.aicore.probes, restartUnhealthy: service.aicore.restartUnhealthy,
                  stopSignal: service.stopSignal.number, stopGracePeriod: service.stopGracePeriod,
                  ports: ports ?? service.ports.map(\.target))
        specHash = ServiceSpecHash.of(service)
        postStart = service.postStart
        preStop = service.preStop
    }

    /// Whether instance readiness depends on a check at all.
    var hasReadinessCheck: Bool { healthcheck != nil || probes.readiness != nil }
}
