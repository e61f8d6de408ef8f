/// Where a supervisor keeps things on the host.
public struct SupervisorLayout: Sendable {
    /// Instance state directories (exit file, task record): the driver's state root.
    public var instancesDirectory: String
    /// One log directory per instance, kept across its restarts (the state dir is not).
    public var logsDirectory: String
    /// Named volumes, one directory each.
    public var volumesDirectory: String
    /// The first component of every instance cgroup (`<root>/<stack>/<service>/<instance>`).
    /// One per agent: two agents on a host must never share an instance's cgroup.
    public var cgroupRoot = "aicore"
    /// Where the lines of `logging: {driver: journald}` instances go: the host's journal in
    /// the agent; nil (`supervise`, tests without one) keeps them in the log file only.
    public var journal: (any JournalSink)?

    public init(instancesDirectory: String, logsDirectory: String, volumesDirectory: String) {
        self.instancesDirectory = instancesDirectory
        self.logsDirectory = logsDirectory
        self.volumesDirectory = volumesDirectory
    }

    /// Everything under one directory (`supervise --state-dir`, the embedded mode).
    public init(root: String) {
        self.init(instancesDirectory: root + "/instances", logsDirectory: root + "/logs", volumesDirectory: root + "/volumes")
    }

    public func logDirectory(for id: String) -> String { logsDirectory + "/" + id }

    /// Where the logs of a stack's removed instances (replaced, failed, scaled down) stay
    /// readable (`logs --previous`) until the stack goes down: one directory per instance.
    public func previousLogsDirectory(stack: String) -> String { logsDirectory + "/.previous/" + stack }

    public func previousLogDirectory(stack: String, id: String) -> String { previousLogsDirectory(stack: stack) + "/" + id }

    /// A named volume's directory: `<volumes>/<stack>_<volume>`.
    public func volumeDirectory(stack: String, volume: String) -> String {
        volumesDirectory + "/" + Self.volumeName(stack: stack, volume: volume)
    }

    /// A named volume's name on the node, `<stack>_<volume>` (Compose's default volume name):
    /// its directory's name and its record's.
    public static func volumeName(stack: String, volume: String) -> String {
        stack + "_" + volume
    }
}
