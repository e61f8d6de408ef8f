/// A point-in-time reading of an instance's cgroup.
public struct CgroupStats: Sendable, Equatable {
    /// Total CPU time consumed (v1 cpuacct.usage; v2 cpu.stat usage_usec × 1000).
    public var cpuUsageNanos: UInt64
    /// Periods in which the quota throttled the group (cpu.stat nr_throttled).
    public var cpuThrottledPeriods: UInt64
    /// Time spent throttled (v1 cpu.stat throttled_time; v2 throttled_usec × 1000).
    public var cpuThrottledNanos: UInt64
    /// Memory charged now (v1 memory.usage_in_bytes; v2 memory.current).
    public var memoryCurrentBytes: UInt64
    /// Highest memory charged (v1 memory.max_usage_in_bytes; v2 memory.peak, nil on kernels before 5.19).
    public var memoryPeakBytes: UInt64?
    /// Tasks in the group (pids.current).
    public var pidsCurrent: UInt64
    /// Processes killed by the OOM killer (v2 memory.events oom_kill; v1 memory.oom_control oom_kill).
    public var oomKills: UInt64

    public init(
        cpuUsageNanos: UInt64 = 0, cpuThrottledPeriods: UInt64 = 0, cpuThrottledNanos: UInt64 = 0,
        memoryCurrentBytes: UInt64 = 0, memoryPeakBytes: UInt64? = nil, pidsCurrent: UInt64 = 0, oomKills: UInt64 = 0
    ) {
        self.cpuUsageNanos = cpuUsageNanos
        self.cpuThrottledPeriods = cpuThrottledPeriods
        self.cpuThrottledNanos = cpuThrottledNanos
        self.memoryCurrentBytes = memoryCurrentBytes
        self.memoryPeakBytes = memoryPeakBytes
        self.pidsCurrent = pidsCurrent
        self.oomKills = oomKills
    }
}
