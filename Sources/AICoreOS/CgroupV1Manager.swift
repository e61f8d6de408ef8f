#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// cgroup v1: one hierarchy per controller (or co-mounted group), as on legacy and hybrid hosts.
///
/// An instance gets one directory per hierarchy in use — memory, cpu, cpuacct, pids, freezer and devices — at
/// `<mount point>/<parent>/<relativePath>`. With the default empty `parent` the instance cgroups sit
/// under the root of each hierarchy, not nested in the agent's own cgroups.
public struct CgroupV1Manager: CgroupManager {
    /// The controllers this manager uses, in the order their directories appear in a handle.
    public static let controllers = ["memory", "cpu", "cpuacct", "pids", "freezer", "devices"]

    public var version: CgroupVersion { .v1 }
    /// Controller name → mount point of its hierarchy. Co-mounted controllers share a mount point.
    public let mountPoints: [String: String]
    /// Path below each hierarchy's root under which relative paths are created ("" = the root).
    public let parent: String
    /// Upper bound for `killAll` to empty the cgroup.
    public let killTimeout: Duration
    /// Upper bound for retrying EBUSY in `destroy`.
    public let removeTimeout: Duration

    /// A manager over explicit hierarchy mount points, as found by `CgroupLayout`.
    public init(mountPoints: [String: String], parent: String = "", killTimeout: Duration = .seconds(10), removeTimeout: Duration = .seconds(2)) {
        self.mountPoints = mountPoints.filter { (Self.controllers + Self.optionalControllers).contains($0.key) }
        self.parent = parent
        self.killTimeout = killTimeout
        self.removeTimeout = removeTimeout
    }

    /// A manager assuming the usual layout `<root>/<controller>` for every controller present under `root`.
    /// Co-mounted hierarchies (`cpu` and `cpuacct` symlinked to `cpu,cpuacct`) are resolved to one mount point.
    public init(root: String = "/sys/fs/cgroup", parent: String = "", killTimeout: Duration = .seconds(10), removeTimeout: Duration = .seconds(2)) {
        var mounts: [String: String] = [:]
        for controller in Self.controllers + Self.optionalControllers {
            let path = CgroupPath.join(root, controller)
            guard CgroupFileIO.exists(path) else { continue }
            mounts[controller] = Self.resolvingSymlinks(path)
        }
        self.init(mountPoints: mounts, parent: parent, killTimeout: killTimeout, removeTimeout: removeTimeout)
    }

    /// The handle for `relativePath`, without touching the filesystem (for re-adopting a running instance).
    public func handle(for relativePath: String) throws(SystemError) -> CgroupHandle {
        _ = try CgroupPath.components(of: relativePath)
        var directories: [String] = []
        for controller in Self.controllers {
            guard let dir = directory(controller, relativePath), !directories.contains(dir) else { continue }
            directories.append(dir)
        }
        return CgroupHandle(relativePath: relativePath, directories: directories, unifiedDirectory: nil)
    }

    /// The directory of `relativePath` in `controller`'s hierarchy, or nil when that controller is not mounted.
    public func directory(_ controller: String, _ relativePath: String) -> String? {
        mountPoints[controller].map { CgroupPath.join($0, parent, relativePath) }
    }

    public func create(_ relativePath: String, limits: CgroupLimits) throws(SystemError) -> CgroupHandle {
        var handle = try handle(for: relativePath)
        try limits.validate(for: relativePath)
        var needed: [String] = []
        if limits.memoryBytes != nil { needed.append("memory") }
        if limits.cpus != nil || limits.cpuWeight != nil { needed.append("cpu") }
        if limits.pidsMax != nil { needed.append("pids") }
        if limits.devices != nil { needed.append("devices") }
        if limits.cpusetCPUs != nil { needed.append("cpuset") }
        if limits.blockIO != nil { needed.append("blkio") }
        for controller in needed where mountPoints[controller] == nil {
            throw SystemError(
                code: .controllerUnavailable, operation: "create cgroup \(relativePath)",
                detail: "no cgroup v1 hierarchy for the \(controller) controller is mounted")
        }
        for dir in handle.directories {
            try CgroupFileIO.makeDirectories(dir)
        }
        do {
            try writeLimits(limits, relativePath)
            try writeKernelSettings(limits, relativePath)
            if let cpus = limits.cpusetCPUs {
                let cpuset = try makeCpuset(relativePath, cpus: cpus)
                handle = CgroupHandle(relativePath: relativePath, directories: handle.directories + [cpuset], unifiedDirectory: nil)
            }
            if let blockIO = limits.blockIO {
                let blkio = try writeBlockIO(blockIO, relativePath)
                handle = CgroupHandle(relativePath: relativePath, directories: handle.directories + [blkio], unifiedDirectory: nil)
            }
        } catch {
            // Nothing of a cgroup the caller never gets a handle of may stay behind.
            let made = handle.directories + Self.optionalControllers.compactMap { directory($0, relativePath) }
            try? destroy(CgroupHandle(relativePath: relativePath, directories: made, unifiedDirectory: nil))
            throw error
        }
        return handle
    }

    private func writeLimits(_ limits: CgroupLimits, _ relativePath: String) throws(SystemError) {
        if let devices = limits.devices, let dir = directory("devices", relativePath) {
            // Deny everything, then allow the list: a child starts with its parent's list.
            try CgroupFileIO.write("a", to: CgroupPath.join(dir, "devices.deny"))
            for rule in devices { try CgroupFileIO.write(rule.description, to: CgroupPath.join(dir, "devices.allow")) }
        }
        if let pidsMax = limits.pidsMax, let dir = directory("pids", relativePath) {
            try CgroupFileIO.write(String(pidsMax), to: CgroupPath.join(dir, "pids.max"))
        }
        if let bytes = limits.memoryBytes, let dir = directory("memory", relativePath) {
            let swapFile = CgroupPath.join(dir, "memory.memsw.limit_in_bytes")
            let currentSwap = try CgroupFileIO.readIfPresent(swapFile).flatMap { UInt64($0.trimmingWhitespace) }
            for file in Self.memoryWriteOrder(newLimit: bytes, currentSwapLimit: currentSwap) {
                let path = CgroupPath.join(dir, file)
                if file == "memory.memsw.limit_in_bytes" {
                    // Absent when the kernel does not account swap (swapaccount=0): memory alone is then the limit.
                    try CgroupFileIO.writeIfPresent(String(bytes), to: path)
                } else {
                    try CgroupFileIO.write(String(bytes), to: path)
                }
            }
        }
        if let dir = directory("cpu", relativePath) {
            if let quota = limits.cpuQuotaMicros {
                try CgroupFileIO.write(String(limits.periodMicros), to: CgroupPath.join(dir, "cpu.cfs_period_us"))
                try CgroupFileIO.write(String(quota), to: CgroupPath.join(dir, "cpu.cfs_quota_us"))
            }
            if let weight = limits.cpuWeight {
                try CgroupFileIO.write(String(CgroupLimits.cpuShares(forWeight: weight)), to: CgroupPath.join(dir, "cpu.shares"))
            }
        }
    }

    /// The order in which to write the two memory files so the kernel's rule memory ≤ memory+swap holds
    /// after each write: lowering (new ≤ current memsw) writes memory first, raising writes memsw first.
    /// Without a memsw file (`currentSwapLimit == nil`) only memory.limit_in_bytes matters, but the
    /// memsw write is kept (and tolerated when absent) so the rule has a single shape.
    static func memoryWriteOrder(newLimit: UInt64, currentSwapLimit: UInt64?) -> [String] {
        if let currentSwapLimit, newLimit > currentSwapLimit {
            return ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]
        }
        return ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
    }

    public func addProcess(_ pid: pid_t, to handle: CgroupHandle) throws(SystemError) {
        for dir in handle.directories {
            try CgroupFileIO.write(String(pid), to: CgroupPath.join(dir, "cgroup.procs"))
        }
    }

    public func stats(_ handle: CgroupHandle) throws(SystemError) -> CgroupStats {
        let path = handle.relativePath
        var stats = CgroupStats()
        if let dir = directory("cpuacct", path) {
            stats.cpuUsageNanos = try CgroupFileIO.readNumber(CgroupPath.join(dir, "cpuacct.usage"))
        }
        if let dir = directory("cpu", path) {
            let cpu = try CgroupFileIO.keyedValues(CgroupFileIO.read(CgroupPath.join(dir, "cpu.stat")))
            stats.cpuThrottledPeriods = cpu["nr_throttled"] ?? 0
            stats.cpuThrottledNanos = cpu["throttled_time"] ?? 0
        }
        if let dir = directory("memory", path) {
            stats.memoryCurrentBytes = try CgroupFileIO.readNumber(CgroupPath.join(dir, "memory.usage_in_bytes"))
            stats.memoryPeakBytes = try CgroupFileIO.readNumberIfPresent(CgroupPath.join(dir, "memory.max_usage_in_bytes"))
            stats.oomKills = try CgroupFileIO.keyedValues(CgroupFileIO.read(CgroupPath.join(dir, "memory.oom_control")))["oom_kill"] ?? 0
        }
        if let dir = directory("pids", path) {
            stats.pidsCurrent = try CgroupFileIO.readNumber(CgroupPath.join(dir, "pids.current"))
        }
        return stats
    }

    public func oomKillCounterFile(_ handle: CgroupHandle) -> String? {
        directory("memory", handle.relativePath).map { CgroupPath.join($0, "memory.oom_control") }
    }

    /// memory.oom_control's `oom_kill` counter (Linux 4.13+) when the kernel has it. On older kernels,
    /// falls back to memory.failcnt > 0 — the limit was hit — which the caller should only read as an
    /// OOM kill when the process also died of SIGKILL.
    public func wasOOMKilled(_ handle: CgroupHandle) throws(SystemError) -> Bool {
        guard let dir = directory("memory", handle.relativePath) else { return false }
        let control = try CgroupFileIO.keyedValues(CgroupFileIO.read(CgroupPath.join(dir, "memory.oom_control")))
        if let kills = control["oom_kill"] {
            return kills > 0
        }
        return try CgroupFileIO.readNumber(CgroupPath.join(dir, "memory.failcnt")) > 0
    }

    /// The union of cgroup.procs over all hierarchies, sorted. A missing directory has no processes.
    public func processes(_ handle: CgroupHandle) throws(SystemError) -> [pid_t] {
        var pids = Set<pid_t>()
        for dir in handle.directories {
            do {
                pids.formUnion(try CgroupFileIO.readPids(CgroupPath.join(dir, "cgroup.procs")))
            } catch where CgroupFileIO.isGone(error) {
                continue
            }
        }
        return pids.sorted()
    }

    /// Freezes the group (when the freezer hierarchy is mounted) so nothing can fork, SIGKILLs every
    /// process, thaws so the signals are delivered, and repeats until no process is left or `killTimeout` passes.
    public func killAll(_ handle: CgroupHandle) throws(SystemError) {
        let deadline = ContinuousClock.now.advanced(by: killTimeout)
        let freezer = directory("freezer", handle.relativePath).map { CgroupPath.join($0, "freezer.state") }
        while true {
            if try processes(handle).isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw SystemError(
                    code: .timedOut, operation: "kill all processes in \(handle.relativePath)",
                    detail: "processes still present after \(killTimeout): \(try processes(handle))")
            }
            if let freezer {
                try CgroupFileIO.write("FROZEN", to: freezer)
                // A task in uninterruptible sleep can hold the group in FREEZING: wait a little, then kill anyway.
                let frozenBy = ContinuousClock.now.advanced(by: .milliseconds(500))
                while try CgroupFileIO.read(freezer).trimmingWhitespace != "FROZEN" && ContinuousClock.now < frozenBy {
                    CgroupFileIO.pause(milliseconds: 5)
                }
            }
            for pid in try processes(handle) where pid > 0 {
                _ = kill(pid, SIGKILL)   // ESRCH: already gone
            }
            if let freezer {
                try CgroupFileIO.write("THAWED", to: freezer)
            }
            try waitUntilEmpty(handle, within: .milliseconds(200))
        }
    }

    private func waitUntilEmpty(_ handle: CgroupHandle, within timeout: Duration) throws(SystemError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while try !processes(handle).isEmpty && ContinuousClock.now < deadline {
            CgroupFileIO.pause(milliseconds: 5)
        }
    }

    /// Removes the instance directory in every hierarchy, tolerating ENOENT and retrying EBUSY for
    /// `removeTimeout`. Tries every hierarchy before reporting the first failure.
    public func destroy(_ handle: CgroupHandle) throws(SystemError) {
        var firstError: SystemError?
        for dir in handle.directories {
            do {
                try CgroupFileIO.removeDirectory(dir, timeout: removeTimeout)
                CgroupFileIO.removeEmptyAncestors(of: dir)
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    private static func resolvingSymlinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
