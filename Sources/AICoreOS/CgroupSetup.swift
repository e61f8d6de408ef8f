/// How a host mounts cgroups under /sys/fs/cgroup.
public enum CgroupSetup: String, Sendable, Hashable, CustomStringConvertible {
    /// Only v1 hierarchies, one per controller (or co-mounted group), no cgroup2 mount.
    case legacy
    /// v1 hierarchies for the controllers, plus a cgroup2 mount (usually /sys/fs/cgroup/unified)
    /// that holds few or no controllers. The controllers are used through v1.
    case hybrid
    /// /sys/fs/cgroup itself is cgroup2, holding every controller.
    case unified

    /// The manager version this setup is driven with.
    public var version: CgroupVersion { self == .unified ? .v2 : .v1 }

    public var description: String { rawValue }
}
