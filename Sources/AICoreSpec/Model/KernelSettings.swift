/// A service's keys that tune the kernel objects of its instances beyond `deploy.resources`:
/// the size of `/dev/shm`, namespaced sysctls and the cgroup settings Compose names at the top
/// level of a service. Every field is nil or empty unless the stack file writes it, and then
/// nothing is written for it: the runtime's defaults apply.
public struct KernelSettings: Sendable, Hashable {
    /// The size of the instance's `/dev/shm` tmpfs (`shm_size`); nil: 64 MiB, as Docker.
    public var shmSize: ByteSize?
    /// `sysctls`, by name (`net.core.somaxconn`), each one that a namespace of the instance's
    /// own holds (`KernelSettings.namespace(ofSysctl:)`).
    public var sysctls: [String: String] = [:]
    /// `cpu_shares` (2...262144): v1 `cpu.shares`, v2 `cpu.weight` converted as runc does.
    public var cpuShares: Int?
    /// `cpu_period` in microseconds (1000...1000000).
    public var cpuPeriod: Int?
    /// `cpu_quota` in microseconds per period (at least 1000), or -1 for none.
    public var cpuQuota: Int?
    /// `cpuset`: the CPUs the instance may run on, as the kernel writes them (`0-2,5`).
    public var cpuset: String?
    /// `mem_swappiness` (0...100): v1 `memory.swappiness`; cgroup v2 has no such file.
    public var memSwappiness: Int?
    /// `memswap_limit`: memory plus swap; nil: swap limited to the memory limit (no swap).
    public var memswapLimit: SwapLimit?
    /// `blkio_config`: weight and per-device weights and throttles.
    public var blkio: BlockIOConfig?

    public enum SwapLimit: Sendable, Hashable {
        /// Memory plus swap, at least the memory limit.
        case bytes(ByteSize)
        /// `-1`: swap is not limited.
        case unlimited
    }

    public init() {}

    public var isEmpty: Bool { self == KernelSettings() }

    /// The namespace whose copy of a sysctl the instance writes, or nil when the sysctl is the
    /// host's (the kernel keeps one value for every namespace): `net.*` belongs to the network
    /// namespace; `kernel.shm*`, `kernel.msg*`, `kernel.sem` and `fs.mqueue.*` to the IPC one.
    public static func namespace(ofSysctl name: String) -> SysctlNamespace? {
        if name.hasPrefix("net.") { return .network }
        // kernel.shmmax, shmall, shmmni, shm_rmid_forced, shm_next_id; msgmax, msgmnb, msgmni,
        // msg_next_id; sem, sem_next_id: every file of ipc/ipc_sysctl.c (runc's list, and the
        // *_next_id ones it allows by the same rule).
        if name.hasPrefix("fs.mqueue.") || ["kernel.shm", "kernel.msg", "kernel.sem"].contains(where: name.hasPrefix) {
            return .ipc
        }
        return nil
    }

    public enum SysctlNamespace: Sendable, Hashable {
        case network
        case ipc
    }
}
