#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Creates, limits, observes and removes the cgroup of one instance. `CgroupV1Manager` and
/// `CgroupV2Manager` (the cgroupfs driver) and `CgroupSystemdManager` (systemd's) implement it;
/// `CgroupDetection.detect` picks one for the host.
///
/// The calls are synchronous and some wait (bounded) on the kernel: run them off actors and event loops.
public protocol CgroupManager: Sendable {
    var version: CgroupVersion { get }
    /// Creates (mkdir -p, enabling controllers in v2 subtree_control along the way) the cgroup `relativePath`
    /// (e.g. "aicore/demo/api/demo-api-1") under this manager's root and writes the limits. Idempotent.
    func create(_ relativePath: String, limits: CgroupLimits) throws -> CgroupHandle
    /// The handle for `relativePath`, without touching the filesystem.
    func handle(for relativePath: String) throws -> CgroupHandle
    func addProcess(_ pid: pid_t, to handle: CgroupHandle) throws
    /// Whether `create` makes the cgroup, so that a child can be cloned straight into it
    /// (CLONE_INTO_CGROUP). A systemd scope comes into being only around a process: that manager
    /// says false, and the spawn hands it the waiting init through `place`.
    var placesAtClone: Bool { get }
    /// Puts the instance's init, `pid`, waiting before it sets anything up inside, into the
    /// cgroup `create` returned, with `limits` (the ones given to `create`). The cgroupfs managers
    /// write cgroup.procs (`addProcess`); the systemd manager starts the scope around the pid.
    func place(_ pid: pid_t, in handle: CgroupHandle, limits: CgroupLimits) throws
    func stats(_ handle: CgroupHandle) throws -> CgroupStats
    /// true when the kernel OOM-killed a process in this cgroup (v2 memory.events oom_kill > 0; v1 memory.oom_control oom_kill > 0, or failcnt>0 with the process killed by SIGKILL as fallback info)
    func wasOOMKilled(_ handle: CgroupHandle) throws -> Bool
    /// The file whose `oom_kill` line counts the OOM kills in the cgroup (v2 memory.events, v1
    /// memory.oom_control), or nil. The instance's init gets it, read-only, and reads it as it
    /// exits: a systemd scope's cgroup may be gone before the agent reads `wasOOMKilled`.
    func oomKillCounterFile(_ handle: CgroupHandle) -> String?
    func processes(_ handle: CgroupHandle) throws -> [pid_t]
    /// Kills every process in the cgroup and waits (bounded) until it is empty: v2 cgroup.kill when present, else freeze (v2 cgroup.freeze / v1 freezer) + SIGKILL each pid + thaw, looping until empty.
    func killAll(_ handle: CgroupHandle) throws
    /// Removes the cgroup dirs (all v1 hierarchies), tolerating ENOENT; retries EBUSY briefly.
    func destroy(_ handle: CgroupHandle) throws
    /// Freezes (`pause`) or thaws (`unpause`) every process in the cgroup and returns once the
    /// kernel says the whole group is in that state (bounded by `freezeTimeout`). A freeze that
    /// does not complete in time is undone (thawed) and throws `.timedOut`.
    func setFrozen(_ frozen: Bool, _ handle: CgroupHandle) throws
    /// Whether the kernel holds the cgroup frozen now (v2 `cgroup.events` frozen 1, v1
    /// `freezer.state` FROZEN).
    func isFrozen(_ handle: CgroupHandle) throws -> Bool
}

extension CgroupManager {
    public var placesAtClone: Bool { version == .v2 }

    /// How long a freeze or thaw may take before it is given up: a task in uninterruptible
    /// sleep (I/O on a hung NFS mount) holds a group in FREEZING.
    public static var freezeTimeout: Duration { .seconds(5) }

    public func place(_ pid: pid_t, in handle: CgroupHandle, limits: CgroupLimits) throws {
        try addProcess(pid, to: handle)
    }
}
