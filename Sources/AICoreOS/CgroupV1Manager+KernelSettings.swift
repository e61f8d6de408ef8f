#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The v1 files of the settings beyond memory, cpus and pids: `cpu.shares`, the CFS period,
/// `cpuset.cpus`, `memory.swappiness` and `memory.memsw.limit_in_bytes` for a memory+swap limit.
extension CgroupV1Manager {
    /// Hierarchies an instance gets a directory in only when its limits need them: a v1 cpuset
    /// cgroup starts with no CPUs and no memory nodes, and no process may join it until both
    /// are given, so none is made for an instance that does not ask for one; blkio likewise
    /// (`blkio_config`), so that instances without it leave that hierarchy as it was.
    static let optionalControllers = ["cpuset", "blkio"]

    /// The cpuset directory of `relativePath`, made level by level below the hierarchy's root,
    /// each new level given its parent's `cpuset.cpus` and `cpuset.mems` (copied, as runc does:
    /// `cgroup.clone_children` would change the root's behaviour for everyone), then `cpus`.
    func makeCpuset(_ relativePath: String, cpus: String) throws(SystemError) -> String {
        guard let mount = mountPoints["cpuset"] else {
            throw SystemError(
                code: .controllerUnavailable, operation: "create cgroup \(relativePath)",
                detail: "no cgroup v1 hierarchy for the cpuset controller is mounted")
        }
        let components = (parent.isEmpty ? [] : try CgroupPath.components(of: parent)) + (try CgroupPath.components(of: relativePath))
        return try CgroupFileIO.retryingVanishedAncestors { () throws(SystemError) -> String in
            var dir = mount
            for component in components {
                let child = CgroupPath.join(dir, component)
                try CgroupFileIO.makeDirectory(child)
                for file in ["cpuset.cpus", "cpuset.mems"] {
                    let own = CgroupPath.join(child, file)
                    if try CgroupFileIO.read(own).trimmingWhitespace.isEmpty {
                        try CgroupFileIO.write(CgroupFileIO.read(CgroupPath.join(dir, file)).trimmingWhitespace, to: own)
                    }
                }
                dir = child
            }
            try CgroupFileIO.write(cpus, to: CgroupPath.join(dir, "cpuset.cpus"))
            return dir
        }
    }

    /// Writes the settings `writeLimits` does not: after it, so that the memory limit is in
    /// place before the memory+swap one (the kernel keeps memory ≤ memory+swap).
    func writeKernelSettings(_ limits: CgroupLimits, _ relativePath: String) throws(SystemError) {
        if let dir = directory("cpu", relativePath) {
            if let period = limits.cpuPeriod, limits.cpuQuotaMicros == nil {
                // With a quota, `writeLimits` wrote this period already.
                try CgroupFileIO.write(String(period), to: CgroupPath.join(dir, "cpu.cfs_period_us"))
            }
            if let shares = limits.cpuShares, limits.cpuWeight == nil {
                try CgroupFileIO.write(String(shares), to: CgroupPath.join(dir, "cpu.shares"))
            }
        }
        if let dir = directory("memory", relativePath) {
            if let swappiness = limits.memorySwappiness {
                try CgroupFileIO.write(String(swappiness), to: CgroupPath.join(dir, "memory.swappiness"))
            }
            if let total = limits.memoryPlusSwapBytes {
                let file = CgroupPath.join(dir, "memory.memsw.limit_in_bytes")
                // -1 is v1's "unlimited". Without swap accounting there is no file and no limit.
                let written = try CgroupFileIO.writeIfPresent(total == .max ? "-1" : String(total), to: file)
                if !written {
                    throw SystemError(
                        code: .controllerUnavailable, operation: "limit memory+swap of \(relativePath)",
                        detail: "the kernel does not account swap (no memory.memsw.limit_in_bytes: boot with swapaccount=1)")
                }
            }
        }
    }
}
