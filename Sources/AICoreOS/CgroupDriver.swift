import AICoreSystem

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
                    detail: "\(reason); choose the cgroupfs driver (or auto) instead")
            }
            return .systemd
        }
    }
}
