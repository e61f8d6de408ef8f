/// The resource limits written into an instance's cgroup. A nil field writes nothing: a new cgroup
/// then has no limit for it, and an existing one keeps what it had.
public struct CgroupLimits: Sendable, Equatable {
    /// The CFS period written with every cpu quota, in microseconds.
    public static let cpuPeriodMicros: UInt64 = 100_000
    /// The smallest quota the kernel accepts, in microseconds.
    public static let minimumCPUQuotaMicros: UInt64 = 1_000

    /// Memory limit in bytes. Swap is limited to the same total: v1 `memory.memsw.limit_in_bytes` = memory,
    /// v2 `memory.swap.max` = 0.
    public var memoryBytes: UInt64?
    /// CPU quota in CPUs: quota = cpus × period (period 100000 µs).
    public var cpus: Double?
    /// Relative CPU weight, v2 `cpu.weight` 1...10000 (default 100). v1 maps it to `cpu.shares`.
    public var cpuWeight: UInt64?
    /// Maximum number of tasks. The caller applies the default 4096; nil writes no limit.
    public var pidsMax: Int?
    /// The devices the cgroup's processes may use (everything else is refused); nil: no
    /// restriction. Instances get `DeviceRule.defaultAllowlist`.
    public var devices: [DeviceRule]?
    /// v1 `cpu.shares` (2...262144), written as it is there; v2 and systemd take `cpuWeight`
    /// when that is set, else these shares converted (`cpuWeight(forShares:)`).
    public var cpuShares: UInt64?
    /// The CFS period in microseconds (1000...1000000); nil: `cpuPeriodMicros`. The quota is
    /// `cpus` of this period.
    public var cpuPeriod: UInt64?
    /// The CPUs the processes may run on, in the kernel's list format (`0-2,5`); nil: the parent's.
    public var cpusetCPUs: String?
    /// v1 `memory.swappiness` (0...100); cgroup v2 has no such setting and ignores it.
    public var memorySwappiness: UInt64?
    /// Memory plus swap, in bytes, at least `memoryBytes`; `.max`: swap unlimited; nil: no swap
    /// beyond the memory limit. Only with `memoryBytes`.
    public var memoryPlusSwapBytes: UInt64?
    /// Block I/O weight and throttles (`blkio_config`); nil writes nothing.
    public var blockIO: BlockIOLimits?

    public init(memoryBytes: UInt64? = nil, cpus: Double? = nil, cpuWeight: UInt64? = nil, pidsMax: Int? = 4096,
                devices: [DeviceRule]? = nil) {
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.cpuWeight = cpuWeight
        self.pidsMax = pidsMax
        self.devices = devices
    }

    /// The CFS period written with the quota: `cpuPeriod`, else 100 ms.
    public var periodMicros: UInt64 { cpuPeriod ?? Self.cpuPeriodMicros }

    /// The weight v2 and systemd write: `cpuWeight`, else `cpuShares` converted.
    public var effectiveCPUWeight: UInt64? { cpuWeight ?? cpuShares.map(Self.cpuWeight(forShares:)) }

    /// The CFS quota in microseconds for `cpus`, never below the kernel's 1 ms minimum.
    public var cpuQuotaMicros: UInt64? {
        guard let cpus, cpus.isFinite, cpus > 0 else { return nil }
        let quota = (cpus * Double(periodMicros)).rounded()
        guard quota < Double(UInt64.max / 2) else { return nil }
        return max(Self.minimumCPUQuotaMicros, UInt64(quota))
    }

    /// v1 `cpu.shares` for a v2 weight, the inverse of the conversion runc and Docker use to map shares
    /// (2...262144) onto weight (1...10000): weight 1 → 2, weight 100 → 2623, weight 10000 → 262144.
    public static func cpuShares(forWeight weight: UInt64) -> UInt64 {
        let clamped = min(max(weight, 1), 10_000)
        return 2 + ((clamped - 1) * 262_142) / 9_999
    }

    /// v2 `cpu.weight` for v1 `cpu.shares` (runc's conversion): shares 2 → 1, 1024 → 39, 262144 → 10000.
    public static func cpuWeight(forShares shares: UInt64) -> UInt64 {
        let clamped = min(max(shares, 2), 262_144)
        return 1 + ((clamped - 2) * 9_999) / 262_142
    }

    /// Checks the values a kernel would reject, before anything is written.
    package func validate(for path: String) throws(SystemError) {
        let action = "set limits on \(path)"
        if let cpus, !(cpus.isFinite && cpus > 0) || cpuQuotaMicros == nil {
            throw SystemError(code: .invalidArgument, operation: action, detail: "cpus must be a positive number, got \(cpus)")
        }
        if let cpuWeight, !(1...10_000).contains(cpuWeight) {
            throw SystemError(code: .invalidArgument, operation: action, detail: "cpu weight must be in 1...10000, got \(cpuWeight)")
        }
        if let pidsMax, pidsMax < 1 {
            throw SystemError(code: .invalidArgument, operation: action, detail: "pids limit must be at least 1, got \(pidsMax)")
        }
        if let memoryBytes, memoryBytes < 4096 || memoryBytes > UInt64(Int64.max) {
            throw SystemError(code: .invalidArgument, operation: action, detail: "memory limit must be at least 4096 bytes, got \(memoryBytes)")
        }
        try validateKernelSettings(action: action)
    }
}
