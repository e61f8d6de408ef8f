/// A stack the node runs, with its current revision.
public struct StackRecord: Sendable, Equatable, Codable {
    public var name: String
    public var currentRevision: Int
    public var updatedAt: String
    /// The files its last apply came from, as the client named them (`ls`); empty when it
    /// named none.
    public var configFiles: [String]

    public init(name: String, currentRevision: Int, updatedAt: String, configFiles: [String] = []) {
        self.name = name
        self.currentRevision = currentRevision
        self.updatedAt = updatedAt
        self.configFiles = configFiles
    }
}

/// One version of a stack's spec, kept for history and rollback.
public struct RevisionRecord: Sendable, Equatable, Codable {
    public var stack: String
    public var revision: Int
    /// Hash of the normalized spec: equal specs are one revision.
    public var specHash: String
    /// The normalized spec as `config print` writes it.
    public var spec: String
    public var createdAt: String

    public init(stack: String, revision: Int, specHash: String, spec: String, createdAt: String) {
        self.stack = stack
        self.revision = revision
        self.specHash = specHash
        self.spec = spec
        self.createdAt = createdAt
    }
}

/// A service of a stack at a revision.
public struct ServiceRecord: Sendable, Equatable, Codable {
    public var stack: String
    public var name: String
    public var revision: Int
    public var specHash: String
    public var replicas: Int

    public init(stack: String, name: String, revision: Int, specHash: String, replicas: Int) {
        self.stack = stack
        self.name = name
        self.revision = revision
        self.specHash = specHash
        self.replicas = replicas
    }
}

/// One instance of a service: what re-adoption after an agent restart starts from.
public struct InstanceRecord: Sendable, Equatable, Codable {
    public var id: String
    public var stack: String
    public var service: String
    public var replica: Int
    /// The instance init's pid and its start time (/proc/PID/stat field 22): together they name
    /// one process, never a later one that reused the pid.
    public var pid: Int32?
    public var processStartTime: UInt64?
    public var cgroupPath: String?
    public var ports: [Int]
    /// Network name → the instance's address on it (bridge networks; empty on the host's).
    public var addresses: [String: String]
    /// Network name → the instance's IPv6 address on it (`enable_ipv6` networks only; empty in
    /// records from before IPv6).
    public var addresses6: [String: String]
    public var state: InstanceState
    public var desired: DesiredState
    public var restartCount: Int
    /// Failures in a row: the back-off exponent.
    public var consecutiveFailures: Int
    /// When each restart still counted against `max_attempts` within `window` was decided, Unix
    /// time in milliseconds, oldest first (the first is the window's start): a restarted agent
    /// goes on counting instead of starting afresh.
    public var restartAttempts: [Int64]
    /// When a back-off ends, Unix time in milliseconds.
    public var backoffUntil: Int64?
    public var lastExit: String?
    public var lastExitCode: Int32?
    public var lastExitAt: String?
    /// false between an exit and the restart decision about it: an agent killed in between
    /// makes the decision on its next start.
    public var exitHandled: Bool
    public var startedAt: String?
    /// `starting|healthy|unhealthy`, nil without checks.
    public var health: String?
    public var ready: Bool
    /// The last results of each probe, JSON (Docker's Health.Log).
    public var probeLog: String?
    /// Why the instance is in its state when no process says so: for `pending`, the
    /// scheduler's reason (`Insufficient cpu: requested 0.5, 0.2 free`).
    public var statusReason: String?
    /// The spec hash of the service revision this instance runs (`ServiceSpecHash`): a rollout
    /// tells old replicas from new ones by it. nil in records written before rollouts.
    public var specHash: String?
    public var updatedAt: String

    public init(id: String, stack: String, service: String, replica: Int, pid: Int32? = nil, processStartTime: UInt64? = nil,
                cgroupPath: String? = nil, ports: [Int] = [], addresses: [String: String] = [:], addresses6: [String: String] = [:], state: InstanceState, desired: DesiredState = .running,
                restartCount: Int = 0, consecutiveFailures: Int = 0, restartAttempts: [Int64] = [], backoffUntil: Int64? = nil, lastExit: String? = nil,
                lastExitCode: Int32? = nil, lastExitAt: String? = nil, exitHandled: Bool = true, startedAt: String? = nil, health: String? = nil,
                ready: Bool = false, probeLog: String? = nil, statusReason: String? = nil, specHash: String? = nil, updatedAt: String = "") {
        self.id = id
        self.stack = stack
        self.service = service
        self.replica = replica
        self.pid = pid
        self.processStartTime = processStartTime
        self.cgroupPath = cgroupPath
        self.ports = ports
        self.addresses = addresses
        self.addresses6 = addresses6
        self.state = state
        self.desired = desired
        self.restartCount = restartCount
        self.consecutiveFailures = consecutiveFailures
        self.restartAttempts = restartAttempts
        self.backoffUntil = backoffUntil
        self.lastExit = lastExit
        self.lastExitCode = lastExitCode
        self.lastExitAt = lastExitAt
        self.exitHandled = exitHandled
        self.startedAt = startedAt
        self.health = health
        self.ready = ready
        self.probeLog = probeLog
        self.statusReason = statusReason
        self.specHash = specHash
        self.updatedAt = updatedAt
    }
}

/// A state change or notable fact about an instance, with its reason.
public struct EventRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    /// RFC 3339 UTC with nanoseconds.
    public var time: String
    public var stack: String
    public var service: String
    public var instance: String
    /// The state entered (`exited`, `backoff`, …) or a fact (`probe`, `adopted`).
    public var type: String
    /// `Exited (code 1)`, `Back-off 20s restarting failed instance`, …
    public var reason: String

    public init(id: Int64? = nil, time: String, stack: String, service: String, instance: String, type: String, reason: String) {
        self.id = id
        self.time = time
        self.stack = stack
        self.service = service
        self.instance = instance
        self.type = type
        self.reason = reason
    }
}

/// A service's stable address in 127.0.0.0/8 (its VIP): kept across agent restarts and
/// re-applies, released when the stack goes down.
public struct VIPRecord: Sendable, Equatable, Codable {
    public var stack: String
    public var service: String
    /// Dotted quad, e.g. `127.0.1.2`. Unique over the node.
    public var address: String

    public init(stack: String, service: String, address: String) {
        self.stack = stack
        self.service = service
        self.address = address
    }
}
