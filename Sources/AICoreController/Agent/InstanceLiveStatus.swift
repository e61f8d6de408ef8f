import AICoreRuntime
import AICoreStore
import AICoreSupervisor

/// An instance as the node's runner of it sees it now (the Store's record may lag a moment
/// behind): what `ps` and `inspect` show.
public struct InstanceLiveStatus: Sendable {
    public var state: InstanceState
    public var pid: Int32?
    public var restartCount: Int
    /// nil for a runner that re-adopted a settled instance and has seen no exit of its own.
    public var lastExit: String?
    public var lastExitCode: Int32?
    public var health: String?
    public var ready: Bool
    /// Nothing will start it again (exited without restart, failed, or stopped).
    public var finished: Bool
    /// The last results of each probe, oldest first; nil unless asked for.
    public var probeLog: [ProbeResult]?
    /// What it uses now; nil unless asked for, or while no process runs.
    public var stats: TaskStats?

    public init(state: InstanceState, pid: Int32? = nil, restartCount: Int = 0, lastExit: String? = nil,
                lastExitCode: Int32? = nil, health: String? = nil, ready: Bool = false, finished: Bool = false,
                probeLog: [ProbeResult]? = nil, stats: TaskStats? = nil) {
        self.state = state
        self.pid = pid
        self.restartCount = restartCount
        self.lastExit = lastExit
        self.lastExitCode = lastExitCode
        self.health = health
        self.ready = ready
        self.finished = finished
        self.probeLog = probeLog
        self.stats = stats
    }
}
