#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension CgroupV2Manager {
    /// Makes the agent's own (delegated) cgroup usable as the base for instance cgroups, and returns that
    /// base as a path relative to `root`, to pass as `parent`.
    ///
    /// cgroup v2 has a "no internal processes" rule: a non-root cgroup that holds processes cannot enable
    /// controllers in its cgroup.subtree_control (EBUSY), and a cgroup that passes controllers on cannot
    /// take processes. Under systemd with `Delegate=yes` the agent starts inside its unit's cgroup, e.g.
    /// `/system.slice/aicore-node.service` — exactly where controllers must be enabled so that
    /// `aicore/…` gets them. So this helper:
    ///
    /// 1. reads the agent's cgroup from /proc/self/cgroup (`0::/path`);
    /// 2. in the root cgroup (`0::/`, no delegation, e.g. a plain VM): does nothing and returns "";
    /// 3. when the agent already sits in a leaf named `leafName` (called again, or the agent was restarted
    ///    into it): returns the leaf's parent;
    /// 4. otherwise creates `<own>/<leafName>`, moves every process of `<own>` into it (the agent and any
    ///    helper it started; ESRCH for one that just exited is fine), and returns `<own>`.
    ///
    /// Instance cgroups then live at `<own>/aicore/<stack>/<service>/<instance>`, beside `<own>/<leafName>`,
    /// and the agent's own cgroup is never limited by a workload. Run it once, early, before starting
    /// helper threads that might fork.
    public static func prepareDelegatedRoot(
        root: String = "/sys/fs/cgroup", procSelfCgroup: String? = nil, leafName: String = "supervisor"
    ) throws(SystemError) -> String {
        let text: String
        if let procSelfCgroup {
            text = procSelfCgroup
        } else {
            text = try CgroupFileIO.read("/proc/self/cgroup")
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
            throw SystemError(
                code: .notDetected, operation: "find own cgroup v2 path in /proc/self/cgroup",
                detail: "no '0::' line: this process is not in a cgroup v2 hierarchy")
        }
        let own = CgroupPath.join(String(line.dropFirst(3)).trimmingWhitespace)
        let components = own.split(separator: "/").map(String.init)
        guard let last = components.last else { return "" }
        if last == leafName {
            return components.dropLast().joined(separator: "/")
        }
        let ownDir = CgroupPath.join(root, own)
        let leafDir = CgroupPath.join(ownDir, leafName)
        try CgroupFileIO.makeDirectories(leafDir)
        for pid in try CgroupFileIO.readPids(CgroupPath.join(ownDir, "cgroup.procs")) {
            do {
                try CgroupFileIO.write(String(pid), to: CgroupPath.join(leafDir, "cgroup.procs"))
            } catch where error.code == .systemCall && error.errno == ESRCH {
                continue
            }
        }
        return components.joined(separator: "/")
    }

    /// A manager whose base is the agent's delegated cgroup, after `prepareDelegatedRoot` moved the agent
    /// into its leaf.
    public static func delegated(root: String = "/sys/fs/cgroup", procSelfCgroup: String? = nil, leafName: String = "supervisor") throws(SystemError) -> CgroupV2Manager {
        CgroupV2Manager(root: root, parent: try prepareDelegatedRoot(root: root, procSelfCgroup: procSelfCgroup, leafName: leafName))
    }
}
