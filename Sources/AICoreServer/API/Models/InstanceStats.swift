import AICoreRuntime

/// An instance's cgroup figures.
public struct InstanceStats: Codable, Sendable, Equatable {
    public var cpuSeconds: Double
    public var cpuThrottledSeconds: Double
    public var memoryBytes: UInt64
    public var memoryPeakBytes: UInt64?
    public var pids: UInt64
    public var oomKills: UInt64

    public init(_ stats: TaskStats) {
        cpuSeconds = Double(stats.cpuUsageNanos) / 1e9
        cpuThrottledSeconds = Double(stats.cpuThrottledNanos) / 1e9
        memoryBytes = stats.memoryCurrentBytes
        memoryPeakBytes = stats.memoryPeakBytes
        pids = stats.pidsCurrent
        oomKills = stats.oomKills
    }
}
