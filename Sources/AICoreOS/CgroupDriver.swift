/// Who makes the instances' cgroups: the agent itself in the cgroup filesystem, or systemd, as
/// transient scope units (`cgroup_driver` in /etc/aicore/aicore.yml).
public enum CgroupDriver: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// systemd where the host has it (PID 1 is systemd, cgroup v2, the manager answers on the
    /// bus), else cgroupfs.
    case auto
    /// Transient `aicore-….scope` units in `aicore.slice` (`CgroupSystemdManager`).
    case systemd
    /// Directories the agent makes under /sys/fs/cgroup (`CgroupV1Manager`, `CgroupV2Manager`).
    case cgroupfs

    public var description: String { rawValue }

    /// The driver to use on `host`: `.systemd` or `.cgroupfs`. `.systemd` asked for on a host
    /// that cannot have it is an error that says why.
    public func resolve(on host: SystemdHost) throws(SystemError) -> CgroupDriver {
        switch self {
        case .cgroupfs: return .cgroupfs
        case .auto: return host.unavailableReason == nil ? .systemd : .cgroupfs
        case .systemd:
            if let reason = host.unavailableReason {
                throw SystemError(
                    code: .notDetected, operation: "use the systemd cgroup driver",
                    detail: "\(reason); set cgroup_driver: cgroupfs (or auto) in the agent's configuration")
            }
            return .systemd
        }
    }
}

/// What a host offers the systemd cgroup driver.
public struct SystemdHost: Sendable, Equatable {
    /// PID 1 is systemd.
    public var isBooted: Bool
    /// How cgroups are mounted; the driver needs `.unified` (cgroup v2).
    public var setup: CgroupSetup
    /// Why the manager did not answer on the bus; nil when it did (or was not asked).
    public var busError: String?

    public init(isBooted: Bool, setup: CgroupSetup, busError: String? = nil) {
        self.isBooted = isBooted
        self.setup = setup
        self.busError = busError
    }

    /// Looks at this host: sd_booted, the cgroup layout, and (only when both fit) whether the
    /// manager answers on D-Bus. Blocks for the bus round trip: call it off actors and loops.
    public static func probe(layout: CgroupLayout) -> SystemdHost {
        var host = SystemdHost(isBooted: SystemdBus.isBooted, setup: layout.setup)
        guard host.isBooted, host.setup == .unified else { return host }
        do {
            _ = try SystemdBus.managerVersion()
        } catch {
            host.busError = error.description
        }
        return host
    }

    /// Why the systemd driver cannot be used here, or nil when it can.
    public var unavailableReason: String? {
        if !isBooted { return "PID 1 is not systemd" }
        if setup != .unified { return "cgroups are mounted \(setup) (cgroup v1); systemd's driver needs cgroup v2 (unified)" }
        if let busError { return "systemd does not answer on D-Bus (\(busError))" }
        return nil
    }
}
