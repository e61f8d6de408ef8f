#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// cgroup v2: the unified hierarchy, as on most current hosts.
///
/// An instance gets one directory, `<root>/<parent>/<relativePath>`. Creating it enables the cpu,
/// memory and pids controllers in `cgroup.subtree_control` of `<root>/<parent>` and of every
/// intermediate directory, so the leaf has them. Because of v2's "no internal processes" rule, none of
/// those directories may hold processes itself (the root cgroup excepted): see `prepareDelegatedRoot`.
public struct CgroupV2Manager: CgroupManager {
    /// The controllers enabled along the path to every instance cgroup, in the order they are written.
    public static let controllers = ["cpu", "memory", "pids"]
    /// Enabled along the path only for an instance whose limits need them (`cpuset`, `io` for
    /// `blkio_config`): every
    /// controller enabled costs each cgroup below, and most instances never pin CPUs.
    static let optionalControllers = ["cpuset", "io"]

    public var version: CgroupVersion { .v2 }
    /// The cgroup2 mount point.
    public let root: String
    /// Path below `root` under which relative paths are created ("" = the root cgroup).
    public let parent: String
    /// Upper bound for `killAll` to empty the cgroup.
    public let killTimeout: Duration
    /// Upper bound for retrying EBUSY in `destroy`.
    public let removeTimeout: Duration
    /// Whether `killAll` uses cgroup.kill when the kernel has it (5.14+). Tests turn it off to exercise
    /// the freeze + SIGKILL + thaw path on kernels that have cgroup.kill.
    let usesCgroupKill: Bool

    public init(root: String = "/sys/fs/cgroup", parent: String = "", killTimeout: Duration = .seconds(10), removeTimeout: Duration = .seconds(2)) {
        self.init(root: root, parent: parent, killTimeout: killTimeout, removeTimeout: removeTimeout, usesCgroupKill: true)
    }

    init(root: String, parent: String, killTimeout: Duration, removeTimeout: Duration, usesCgroupKill: Bool) {
        self.root = root
        self.parent = parent
        self.killTimeout = killTimeout
        self.removeTimeout = removeTimeout
        self.usesCgroupKill = usesCgroupKill
    }

    /// `<root>/<parent>`: the directory relative paths start from.
    public var base: String { CgroupPath.join(root, parent) }

    /// The handle for `relativePath`, without touching the filesystem (for re-adopting a running instance).
    public func handle(for relativePath: String) throws(SystemError) -> CgroupHandle {
        _ = try CgroupPath.components(of: relativePath)
        let dir = CgroupPath.join(base, relativePath)
        return CgroupHandle(relativePath: relativePath, directories: [dir], unifiedDirectory: dir)
    }

    public func create(_ relativePath: String, limits: CgroupLimits) throws(SystemError) -> CgroupHandle {
        let components = try CgroupPath.components(of: relativePath)
        try limits.validate(for: relativePath)
        let handle = try handle(for: relativePath)
        let leaf = CgroupPath.join(base, relativePath)

        var needed: [String] = []
        if limits.memoryBytes != nil { needed.append("memory") }
        if limits.cpus != nil || limits.effectiveCPUWeight != nil || limits.cpuPeriod != nil { needed.append("cpu") }
        if limits.pidsMax != nil { needed.append("pids") }
        if limits.cpusetCPUs != nil { needed.append("cpuset") }
        if limits.blockIO != nil { needed.append("io") }

        let optional = needed.filter(Self.optionalControllers.contains)
        // <base>, <base>/aicore, <base>/aicore/stack, … down to the leaf's parent: each must delegate the
        // controllers to its children. Below the base each level is made on its own (never
        // `mkdir -p`): another instance's destroy may remove an empty stack or service cgroup at
        // any moment, and a level re-made silently under this one would pass no controller on.
        var attempt = 0
        while true {
            attempt += 1
            let missing = try CgroupFileIO.retryingVanishedAncestors { () throws(SystemError) -> String? in
                try CgroupFileIO.makeDirectories(base)
                var dir = base
                try enableControllers(in: dir, also: optional)
                for component in components.dropLast() {
                    dir = CgroupPath.join(dir, component)
                    try CgroupFileIO.makeDirectory(dir)
                    try enableControllers(in: dir, also: optional)
                }
                try CgroupFileIO.makeDirectory(leaf)
                guard let available = try Self.controllers(in: leaf) else { return nil }
                return needed.first { !available.contains($0) }
            }
            guard let controller = missing else { break }
            // A parent that a concurrent create re-made may not pass the controllers on yet.
            if attempt < 8, rmdir(leaf) == 0 { continue }
            throw SystemError(
                code: .controllerUnavailable, operation: "create cgroup \(leaf)",
                detail: "the \(controller) controller is not available there: it must be enabled in every ancestor's cgroup.subtree_control (under systemd: Delegate=yes)")
        }
        do {
            try writeLimits(limits, in: leaf)
            try writeKernelSettings(limits, in: leaf)
            if let blockIO = limits.blockIO { try writeBlockIO(blockIO, in: leaf) }
            if let devices = limits.devices { try DeviceRule.attach(devices, toCgroup: leaf) }
        } catch {
            // Nothing of a cgroup the caller never gets a handle of may stay behind.
            try? destroy(handle)
            throw error
        }
        return handle
    }

    /// Enables the wanted controllers that `dir` has (cgroup.controllers) but does not yet pass on
    /// (cgroup.subtree_control), in one write such as `+cpu +memory +pids`.
    private func enableControllers(in dir: String, also optional: [String] = []) throws(SystemError) {
        let available = try Self.controllers(in: dir)
        let subtreeFile = CgroupPath.join(dir, "cgroup.subtree_control")
        let enabled = Set(try CgroupFileIO.read(subtreeFile).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        let missing = (Self.controllers + optional).filter { !enabled.contains($0) && (available?.contains($0) ?? true) }
        guard !missing.isEmpty else { return }
        let value = missing.map { "+" + $0 }.joined(separator: " ")
        do {
            try CgroupFileIO.write(value, to: subtreeFile)
        } catch where error.code == .systemCall && error.errno == EBUSY {
            throw SystemError(
                code: .systemCall, errno: EBUSY, operation: error.operation,
                detail: "\(dir) holds processes of its own; cgroup v2 allows controllers only below groups without processes. Move them into a leaf first (CgroupV2Manager.prepareDelegatedRoot)")
        }
    }

    /// The controllers listed in `dir`/cgroup.controllers, or nil when that file does not exist.
    private static func controllers(in dir: String) throws(SystemError) -> Set<String>? {
        try CgroupFileIO.readIfPresent(CgroupPath.join(dir, "cgroup.controllers"))
            .map { Set($0.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)) }
    }

    private func writeLimits(_ limits: CgroupLimits, in dir: String) throws(SystemError) {
        if let pidsMax = limits.pidsMax {
            try CgroupFileIO.write(String(pidsMax), to: CgroupPath.join(dir, "pids.max"))
        }
        if let bytes = limits.memoryBytes {
            try CgroupFileIO.write(String(bytes), to: CgroupPath.join(dir, "memory.max"))
            // Absent without swap accounting (CONFIG_MEMCG_SWAP off or swapaccount=0): nothing to limit then.
            try CgroupFileIO.writeIfPresent("0", to: CgroupPath.join(dir, "memory.swap.max"))
        }
        if let quota = limits.cpuQuotaMicros {
            try CgroupFileIO.write("\(quota) \(limits.periodMicros)", to: CgroupPath.join(dir, "cpu.max"))
        }
        if let weight = limits.effectiveCPUWeight {
            try CgroupFileIO.write(String(weight), to: CgroupPath.join(dir, "cpu.weight"))
        }
    }

    public func addProcess(_ pid: pid_t, to handle: CgroupHandle) throws(SystemError) {
        try CgroupFileIO.write(String(pid), to: CgroupPath.join(directory(of: handle), "cgroup.procs"))
    }

    public func stats(_ handle: CgroupHandle) throws(SystemError) -> CgroupStats {
        let dir = directory(of: handle)
        let cpu = try CgroupFileIO.keyedValues(CgroupFileIO.read(CgroupPath.join(dir, "cpu.stat")))
        return CgroupStats(
            cpuUsageNanos: (cpu["usage_usec"] ?? 0) &* 1000,
            cpuThrottledPeriods: cpu["nr_throttled"] ?? 0,
            cpuThrottledNanos: (cpu["throttled_usec"] ?? 0) &* 1000,
            memoryCurrentBytes: try CgroupFileIO.readNumberIfPresent(CgroupPath.join(dir, "memory.current")) ?? 0,
            memoryPeakBytes: try CgroupFileIO.readNumberIfPresent(CgroupPath.join(dir, "memory.peak")),
            pidsCurrent: try CgroupFileIO.readNumberIfPresent(CgroupPath.join(dir, "pids.current")) ?? 0,
            oomKills: try CgroupFileIO.readKeyedIfPresent(CgroupPath.join(dir, "memory.events"))["oom_kill"] ?? 0)
    }

    public func oomKillCounterFile(_ handle: CgroupHandle) -> String? {
        CgroupPath.join(directory(of: handle), "memory.events")
    }

    /// memory.events `oom_kill` > 0 (it counts this cgroup and its descendants).
    public func wasOOMKilled(_ handle: CgroupHandle) throws(SystemError) -> Bool {
        try (CgroupFileIO.readKeyedIfPresent(CgroupPath.join(directory(of: handle), "memory.events"))["oom_kill"] ?? 0) > 0
    }

    /// cgroup.procs of the instance directory, sorted. A missing directory has no processes.
    public func processes(_ handle: CgroupHandle) throws(SystemError) -> [pid_t] {
        do {
            return try CgroupFileIO.readPids(CgroupPath.join(directory(of: handle), "cgroup.procs")).sorted()
        } catch where CgroupFileIO.isGone(error) {
            return []
        }
    }

    /// With cgroup.kill (5.14+): one write kills the whole subtree, then waits for it to empty.
    /// Without: freeze (cgroup.freeze) so nothing can fork, SIGKILL every pid, thaw, and repeat until
    /// empty. Both bounded by `killTimeout`.
    /// A cgroup removed meanwhile (systemd collects an emptied scope at once) counts as emptied.
    public func killAll(_ handle: CgroupHandle) throws(SystemError) {
        do {
            try killAll(in: directory(of: handle), handle)
        } catch where CgroupFileIO.isGone(error) {
            return
        }
    }

    private func killAll(in dir: String, _ handle: CgroupHandle) throws(SystemError) {
        let deadline = ContinuousClock.now.advanced(by: killTimeout)
        if try isEmpty(dir) { return }
        let killFile = CgroupPath.join(dir, "cgroup.kill")
        if usesCgroupKill && CgroupFileIO.exists(killFile) {
            try CgroupFileIO.write("1", to: killFile)
            try waitUntilEmpty(dir, until: deadline)
            if try isEmpty(dir) { return }
            throw timedOut(handle)
        }
        let freezeFile = CgroupPath.join(dir, "cgroup.freeze")
        let canFreeze = CgroupFileIO.exists(freezeFile)
        while try !isEmpty(dir) {
            guard ContinuousClock.now < deadline else { throw timedOut(handle) }
            if canFreeze {
                try CgroupFileIO.write("1", to: freezeFile)
                let frozenBy = ContinuousClock.now.advanced(by: .milliseconds(500))
                while try CgroupFileIO.readKeyedIfPresent(CgroupPath.join(dir, "cgroup.events"))["frozen"] != 1
                    && ContinuousClock.now < frozenBy {
                    CgroupFileIO.pause(milliseconds: 5)
                }
            }
            for pid in try processes(handle) where pid > 0 {
                _ = kill(pid, SIGKILL)   // ESRCH: already gone
            }
            if canFreeze {
                try CgroupFileIO.write("0", to: freezeFile)
            }
            try waitUntilEmpty(dir, until: min(deadline, ContinuousClock.now.advanced(by: .milliseconds(200))))
        }
    }

    /// Removes the instance directory, tolerating ENOENT and retrying EBUSY for `removeTimeout`.
    public func destroy(_ handle: CgroupHandle) throws(SystemError) {
        try CgroupFileIO.removeDirectory(directory(of: handle), timeout: removeTimeout)
        CgroupFileIO.removeEmptyAncestors(of: directory(of: handle))
    }

    func directory(of handle: CgroupHandle) -> String {
        handle.unifiedDirectory ?? handle.directories.first ?? CgroupPath.join(base, handle.relativePath)
    }

    /// cgroup.events `populated 0` (covers descendants), or an empty cgroup.procs when there is no events file.
    private func isEmpty(_ dir: String) throws(SystemError) -> Bool {
        if let populated = try CgroupFileIO.readKeyedIfPresent(CgroupPath.join(dir, "cgroup.events"))["populated"] {
            return populated == 0
        }
        do {
            return try CgroupFileIO.readPids(CgroupPath.join(dir, "cgroup.procs")).isEmpty
        } catch where CgroupFileIO.isGone(error) {
            return true
        }
    }

    private func waitUntilEmpty(_ dir: String, until deadline: ContinuousClock.Instant) throws(SystemError) {
        while try !isEmpty(dir) && ContinuousClock.now < deadline {
            CgroupFileIO.pause(milliseconds: 5)
        }
    }

    private func timedOut(_ handle: CgroupHandle) -> SystemError {
        let left = (try? processes(handle)) ?? []
        return SystemError(
            code: .timedOut, operation: "kill all processes in \(directory(of: handle))",
            detail: "processes still present after \(killTimeout): \(left)")
    }
}
