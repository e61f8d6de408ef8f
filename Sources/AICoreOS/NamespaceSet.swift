#if canImport(Glibc)
import Glibc
#endif

/// Linux namespaces, as clone/setns flags (the CLONE_NEW* values of <linux/sched.h>; Glibc
/// only exposes them with _GNU_SOURCE, which Swift does not set).
public struct NamespaceSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let pid = NamespaceSet(rawValue: 0x2000_0000 /* CLONE_NEWPID */)
    public static let mount = NamespaceSet(rawValue: 0x0002_0000 /* CLONE_NEWNS */)
    public static let uts = NamespaceSet(rawValue: 0x0400_0000 /* CLONE_NEWUTS */)
    public static let ipc = NamespaceSet(rawValue: 0x0800_0000 /* CLONE_NEWIPC */)
    public static let network = NamespaceSet(rawValue: 0x4000_0000 /* CLONE_NEWNET */)
    public static let cgroup = NamespaceSet(rawValue: 0x0200_0000 /* CLONE_NEWCGROUP */)

    /// What every instance gets (DESIGN.md "Isolation defaults"): network stays the host's
    /// unless asked for.
    public static let instanceDefault: NamespaceSet = [.pid, .mount, .uts, .ipc]
}
