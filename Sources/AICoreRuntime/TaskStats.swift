/// A point-in-time reading of what an instance uses, as the runtime reports it (from its
/// cgroup on Linux).
public struct TaskStats: Sendable, Equatable {
    /// Total CPU time consumed.
    public var cpuUsageNanos: UInt64
    /// Periods in which the CPU quota throttled the instance.
    public var cpuThrottledPeriods: UInt64
    /// Time spent throttled.
    public var cpuThrottledNanos: UInt64
    /// Memory charged now.
    public var memoryCurrentBytes: UInt64
    /// Highest memory charged, when the kernel keeps it.
    public var memoryPeakBytes: UInt64?
    /// Tasks (processes and threads) of the instance.
    public var pidsCurrent: UInt64
    /// Processes killed by the OOM killer.
    public var oomKills: UInt64

    public init(cpuUsageNanos: UInt64 = 0, cpuThrottledPeriods: UInt64 = 0, cpuThrottledNanos: UInt64 = 0,
                memoryCurrentBytes: UInt64 = 0, memoryPeakBytes: UInt64? = nil, pidsCurrent: UInt64 = 0, oomKills: UInt64 = 0) {
        self.cpuUsageNanos = cpuUsageNanos
        self.cpuThrottledPeriods = cpuThrottledPeriods
        self.cpuThrottledNanos = cpuThrottledNanos
        self.memoryCurrentBytes = memoryCurrentBytes
        self.memoryPeakBytes = memoryPeakBytes
        self.pidsCurrent = pidsCurrent
        self.oomKills = oomKills
    }
}
