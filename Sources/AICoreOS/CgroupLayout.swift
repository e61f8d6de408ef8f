import AICoreSystem

/// Where a host mounts its cgroup hierarchies, read from /proc/self/mountinfo.
public struct CgroupLayout: Sendable, Equatable {
    public var setup: CgroupSetup
    /// The directory under which cgroups are mounted, normally /sys/fs/cgroup.
    public var root: String
    /// The cgroup2 mount: `root` itself when unified, often `<root>/unified` when hybrid, nil when legacy.
    public var unifiedMountPoint: String?
    /// v1 controller (or `name=systemd`-style named hierarchy) → its mount point. Co-mounted controllers
    /// share one mount point, e.g. cpu and cpuacct → /sys/fs/cgroup/cpu,cpuacct.
    public var v1MountPoints: [String: String]

    public init(setup: CgroupSetup, root: String, unifiedMountPoint: String?, v1MountPoints: [String: String]) {
        self.setup = setup
        self.root = root
        self.unifiedMountPoint = unifiedMountPoint
        self.v1MountPoints = v1MountPoints
    }

    /// The v1 controllers the kernel can mount; other super options (rw, xattr, release_agent=…) are ignored.
    static let knownV1Controllers: Set<String> = [
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio", "perf_event",
        "net_prio", "hugetlb", "pids", "rdma", "misc",
    ]

    /// Parses mountinfo text. Only mounts at `root` or below it count.
    public init(mountInfo: String, root: String = "/sys/fs/cgroup") throws(SystemError) {
        let root = CgroupPath.join(root)
        var unified: String?
        var unifiedAtRoot = false
        var v1: [String: String] = [:]
        for line in mountInfo.split(separator: "\n") {
            // "36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory"
            let halves = line.split(separator: " - ", maxSplits: 1, omittingEmptySubsequences: false)
            guard halves.count == 2 else { continue }
            let left = halves[0].split(separator: " ")
            let right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 3 else { continue }
            let mountPoint = Self.unescape(String(left[4]))
            guard mountPoint == root || mountPoint.hasPrefix(root + "/") else { continue }
            switch right[0] {
            case "cgroup2":
                if mountPoint == root {
                    unifiedAtRoot = true
                    unified = mountPoint
                } else if !unifiedAtRoot {
                    unified = mountPoint
                }
            case "cgroup":
                for option in right[2].split(separator: ",").map(String.init)
                where Self.knownV1Controllers.contains(option) || option.hasPrefix("name=") {
                    v1[option] = mountPoint
                }
            default:
                continue
            }
        }
        let setup: CgroupSetup
        if unifiedAtRoot {
            setup = .unified
        } else if !v1.isEmpty {
            setup = unified == nil ? .legacy : .hybrid
        } else {
            throw SystemError(
                code: .notDetected, operation: "detect cgroup hierarchies under \(root)",
                detail: "no cgroup or cgroup2 mount found there in mountinfo")
        }
        self.init(setup: setup, root: root, unifiedMountPoint: unified, v1MountPoints: unifiedAtRoot ? [:] : v1)
    }

    /// mountinfo escapes space, tab, newline and backslash as \040, \011, \012, \134.
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
               let code = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(code)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
