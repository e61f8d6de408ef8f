import AICoreOS

/// A running (or finished) instance as the driver knows it.
public struct TaskHandle: Sendable {
    public let id: String
    /// The init's pid in the host pid namespace.
    public let pid: Int32
    /// Start time of the init in clock ticks since boot (/proc/PID/stat field 22): with the pid it
    /// identifies the process across an agent restart.
    public let startTime: UInt64
    /// nil when the process was already gone at recovery.
    public let pidfd: PIDFD?
    public let stateDirectory: String
    public let logDirectory: String
    public let cgroup: CgroupHandle?
    /// The workload's resolved identity, capabilities and seccomp: what an exec must take on.
    public let process: ProcessSpec
    public let namespaces: NamespaceSet
    /// How a process run in the instance as another user gets its groups and capabilities.
    public let identityRules: IdentityRules

    public init(id: String, pid: Int32, startTime: UInt64, pidfd: PIDFD?, stateDirectory: String, logDirectory: String,
                cgroup: CgroupHandle?, process: ProcessSpec, namespaces: NamespaceSet, identityRules: IdentityRules = IdentityRules()) {
        self.id = id
        self.pid = pid
        self.startTime = startTime
        self.pidfd = pidfd
        self.stateDirectory = stateDirectory
        self.logDirectory = logDirectory
        self.cgroup = cgroup
        self.process = process
        self.namespaces = namespaces
        self.identityRules = identityRules
    }

    /// The instance's current log file (rotated ones carry .1, .2 …).
    public var logFile: String { logDirectory + "/" + LinuxTaskDriver.logFileName }
}

/// How a task ended.
public struct TaskExit: Sendable, Equatable {
    public var status: WaitStatus
    public var oomKilled: Bool
    /// RFC 3339 UTC, from the exit file.
    public var finishedAt: String?

    /// What a launcher exits with: 137 for an OOM kill, else the workload's code or 128+signal.
    public var exitCode: Int32 { oomKilled ? 137 : status.exitCode }

    public init(status: WaitStatus, oomKilled: Bool, finishedAt: String?) {
        self.status = status
        self.oomKilled = oomKilled
        self.finishedAt = finishedAt
    }
}
