import AICoreStore
import AICoreSupervisor

/// One instance as `ps`, `inspect` and `GET /v1/instances` show it.
public struct InstanceStatus: Codable, Sendable, Equatable {
    public var id: String
    public var stack: String
    public var service: String
    public var replica: Int
    /// `pending|created|starting|running|healthy|unhealthy|stopping|backoff|exited|failed`.
    public var state: InstanceState
    /// `running`, or `stopped` after `stop`.
    public var desired: DesiredState
    /// `starting|healthy|unhealthy` with a Compose healthcheck.
    public var health: String?
    /// Ready for traffic: the proxy sends it connections.
    public var ready: Bool
    public var pid: Int32?
    public var restarts: Int
    public var lastExit: String?
    public var lastExitCode: Int32?
    public var lastExitAt: String?
    public var startedAt: String?
    public var ports: [Int]
    /// Network name → the instance's address on it (bridge networks).
    public var addresses: [String: String] = [:]
    /// Network name → its IPv6 address on it (`enable_ipv6` networks).
    public var addresses6: [String: String] = [:]
    public var cgroup: String?
    /// Why it is pending, failed or in back-off.
    public var reason: String?
    /// Nothing will start it again (it completed, failed for good, or was stopped); false while
    /// its restart policy may still bring it back.
    public var finished: Bool?
    /// The service spec hash (revision) the instance runs: a rollout replaces the others.
    public var specHash: String?
    /// The last results of each probe, oldest first (`inspect` only).
    public var probeLog: [ProbeResult]?
    /// Cgroup figures (`inspect`, `top`, `?stats=true`).
    public var stats: InstanceStats?
    /// The instance's last events (`inspect` only).
    public var events: [EventMessage]?
    /// Its service's `labels` (`inspect` only).
    public var labels: [String: String]?

    public init(id: String, stack: String, service: String, replica: Int, state: InstanceState, desired: DesiredState, health: String?,
                ready: Bool, pid: Int32?, restarts: Int, lastExit: String?, lastExitCode: Int32?, lastExitAt: String?,
                startedAt: String?, ports: [Int], cgroup: String?, reason: String?, probeLog: [ProbeResult]? = nil,
                stats: InstanceStats? = nil, events: [EventMessage]? = nil) {
        self.id = id
        self.stack = stack
        self.service = service
        self.replica = replica
        self.state = state
        self.desired = desired
        self.health = health
        self.ready = ready
        self.pid = pid
        self.restarts = restarts
        self.lastExit = lastExit
        self.lastExitCode = lastExitCode
        self.lastExitAt = lastExitAt
        self.startedAt = startedAt
        self.ports = ports
        self.cgroup = cgroup
        self.reason = reason
        self.probeLog = probeLog
        self.stats = stats
        self.events = events
    }
}
