#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The v2 files of the settings beyond memory, cpus and pids (Documentation/admin-guide/cgroup-v2.rst):
/// the CFS period in `cpu.max`, `cpuset.cpus`, and `memory.swap.max` for a memory+swap limit.
/// `cpu_shares` arrive as `cpu.weight` (`CgroupLimits.effectiveCPUWeight`, in `writeLimits`).
/// v2 has no `memory.swappiness`: `CgroupLimits.memorySwappiness` is not applied here, and the
/// runtime says so when the instance starts.
extension CgroupV2Manager {
    func writeKernelSettings(_ limits: CgroupLimits, in dir: String) throws(SystemError) {
        if let period = limits.cpuPeriod, limits.cpuQuotaMicros == nil {
            // "$MAX $PERIOD": no quota, this period (with a quota, `writeLimits` wrote both).
            try CgroupFileIO.write("max \(period)", to: CgroupPath.join(dir, "cpu.max"))
        }
        if let cpus = limits.cpusetCPUs {
            // An empty cpuset.cpus uses the parent's; ours narrows it to these.
            try CgroupFileIO.write(cpus, to: CgroupPath.join(dir, "cpuset.cpus"))
        }
        if let total = limits.memoryPlusSwapBytes, let memory = limits.memoryBytes {
            // v2 limits swap on its own: memory.swap.max is the swap beyond memory.max.
            let swap = total == .max ? "max" : String(total - memory)
            guard try CgroupFileIO.writeIfPresent(swap, to: CgroupPath.join(dir, "memory.swap.max")) else {
                throw SystemError(
                    code: .controllerUnavailable, operation: "limit the swap of \(dir)",
                    detail: "the kernel does not account swap (no memory.swap.max: CONFIG_MEMCG_SWAP off, or swapaccount=0)")
            }
        }
    }
}
