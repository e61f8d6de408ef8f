#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// systemd's cgroup driver (cgroup v2 only): each instance runs in a transient scope unit,
/// `aicore-<stack>-<service>-<n>.scope` in `aicore.slice`, started over D-Bus with `Delegate=yes`
/// and the instance's limits as unit properties, as runc's and crun's systemd drivers do. systemd
/// stays the one writer of its tree, and `systemctl status`, `systemd-cgtop` and `systemctl show`
/// show the workloads and their limits.
///
/// The scope is made around the instance's init (`place`): the init waits after clone3 until it
/// is placed, and unshares its cgroup namespace only then, so that namespace is rooted at the
/// scope. What systemd leaves to the delegated scope's owner is done in its cgroup files: the
/// device allowlist (a BPF program on the scope's cgroup), stats, OOM events, and killing every
/// process (cgroup.kill) before the scope is stopped.
///
/// Scopes outlive the agent: a restarted agent finds an instance's scope by the cgroup path its
/// task record keeps (`aicore.slice/aicore-….scope`), and `destroy` stops the unit and resets it
/// if it failed, so no unit is left. Every call that talks to systemd blocks (bounded): run them
/// off actors and event loops, as the runtime does (`BlockingWork`).
public struct CgroupSystemdManager: CgroupManager {
    public var version: CgroupVersion { .v2 }
    public var placesAtClone: Bool { false }
    /// The cgroup2 mount point.
    public let root: String
    public let slice: String
    /// Stats, processes, OOM events and kills through the scope's cgroup files; also what
    /// removes an instance cgroup of the cgroupfs driver that a restarted agent re-adopted.
    let files: CgroupV2Manager

    public init(root: String = "/sys/fs/cgroup", slice: String = SystemdScope.defaultSlice,
                killTimeout: Duration = .seconds(10), removeTimeout: Duration = .seconds(2)) {
        self.root = root
        self.slice = slice
        files = CgroupV2Manager(root: root, killTimeout: killTimeout, removeTimeout: removeTimeout)
    }

    /// The scope for `relativePath`: a runtime cgroup path (`aicore/<stack>/<service>/<id>`),
    /// or the scope's own cgroup path as a task record keeps it (`aicore.slice/<unit>.scope`).
    public func scope(for relativePath: String) throws(SystemError) -> SystemdScope {
        let components = try CgroupPath.components(of: relativePath)
        if components.count == 2, components[0] == slice, components[1].hasSuffix(".scope") {
            return SystemdScope(name: components[1], slice: slice)
        }
        return try SystemdScope(cgroupPath: relativePath, slice: slice)
    }

    public func handle(for relativePath: String) throws(SystemError) -> CgroupHandle {
        let path = try scope(for: relativePath).cgroupPath
        let dir = CgroupPath.join(root, path)
        return CgroupHandle(relativePath: path, directories: [dir], unifiedDirectory: dir)
    }

    /// Checks the limits and names the scope; nothing exists until `place` starts it.
    public func create(_ relativePath: String, limits: CgroupLimits) throws(SystemError) -> CgroupHandle {
        try limits.validate(for: relativePath)
        if let blockIO = limits.blockIO {
            // systemd takes device paths as they are and skips one it cannot use: each must be a
            // block device here, refused by name otherwise (as the cgroupfs driver refuses it).
            let paths = blockIO.deviceWeights.map(\.path) + blockIO.throttles.values.flatMap { $0.map(\.path) }
            for path in paths { _ = try BlockIOLimits.deviceNumber(path) }
        }
        return try handle(for: relativePath)
    }

    /// Starts the scope around `pid` and waits for systemd to have moved it there, then attaches
    /// the device allowlist. A unit of the same name left loaded (a failed one, or one whose
    /// agent died before it removed it) is stopped and reset, and the start tried once more.
    public func place(_ pid: pid_t, in handle: CgroupHandle, limits: CgroupLimits) throws {
        let scope = try scope(for: handle.relativePath)
        let properties = scope.properties(pid: UInt32(bitPattern: pid), limits: limits)
        do {
            try SystemdBus.startTransientUnit(scope.name, properties: properties)
        } catch where error.errno == EEXIST {
            try stopAndReset(scope.name)
            try SystemdBus.startTransientUnit(scope.name, properties: properties)
        }
        if let devices = limits.devices {
            try DeviceRule.attach(devices, toCgroup: directory(of: handle))
        }
        try checkWeightApplies(limits, handle)
    }

    /// systemd drops an IOWeight= the kernel has no file for; a weight is refused instead, as
    /// the cgroupfs driver refuses it.
    private func checkWeightApplies(_ limits: CgroupLimits, _ handle: CgroupHandle) throws(SystemError) {
        guard let blockIO = limits.blockIO, blockIO.weight != nil || !blockIO.deviceWeights.isEmpty else { return }
        _ = try BlockIOLimits.weightFile(in: directory(of: handle), ["io.weight", "io.bfq.weight"])
    }

    /// Writes cgroup.procs of a running scope (a process joining an instance that exists).
    public func addProcess(_ pid: pid_t, to handle: CgroupHandle) throws(SystemError) {
        try files.addProcess(pid, to: handle)
    }

    public func stats(_ handle: CgroupHandle) throws(SystemError) -> CgroupStats {
        try files.stats(handle)
    }

    /// memory.events `oom_kill` > 0 while the scope's cgroup exists. systemd removes it as soon as
    /// its last process exits, usually before the agent reads this: the instance's init reads
    /// `oomKillCounterFile` as it exits, into its exit file, and that is the verdict that counts.
    public func wasOOMKilled(_ handle: CgroupHandle) throws(SystemError) -> Bool {
        try files.wasOOMKilled(handle)
    }

    public func oomKillCounterFile(_ handle: CgroupHandle) -> String? {
        files.oomKillCounterFile(handle)
    }

    public func processes(_ handle: CgroupHandle) throws(SystemError) -> [pid_t] {
        try files.processes(handle)
    }

    /// cgroup.kill on the scope's cgroup (systemd would only signal the processes it knows).
    public func killAll(_ handle: CgroupHandle) throws(SystemError) {
        try files.killAll(handle)
    }

    /// Stops the scope (usually gone already: systemd collects a scope once it is empty) and
    /// resets it if it failed, so that no `aicore-…` unit is left, failed or not. A re-adopted
    /// instance of the cgroupfs driver has a plain directory: that is removed as before.
    public func destroy(_ handle: CgroupHandle) throws {
        guard let scope = try? scope(for: handle.relativePath), handle.relativePath == scope.cgroupPath else {
            try files.destroy(handle)
            return
        }
        try stopAndReset(scope.name)
    }

    private func stopAndReset(_ name: String) throws(SystemError) {
        do {
            try SystemdBus.stopUnit(name)
        } catch where error.errno == ENOENT {
            // Not loaded: collected already.
        }
        do {
            try SystemdBus.resetFailedUnit(name)
        } catch where error.errno == ENOENT {
            // Not loaded, or not failed and collected.
        }
    }

    private func directory(of handle: CgroupHandle) -> String {
        handle.unifiedDirectory ?? handle.directories.first ?? CgroupPath.join(root, handle.relativePath)
    }
}
