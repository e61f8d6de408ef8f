#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Picks the cgroup manager for this host.
public enum CgroupDetection {
    /// `AICORE_CGROUP_VERSION=v1|v2` forces a version (tests, or a host whose detection is wrong).
    public static let versionOverrideVariable = "AICORE_CGROUP_VERSION"

    /// The host's cgroup layout, from `mountInfo` (default: /proc/self/mountinfo).
    public static func layout(mountInfo: String? = nil, root: String = "/sys/fs/cgroup") throws(SystemError) -> CgroupLayout {
        if let mountInfo {
            return try CgroupLayout(mountInfo: mountInfo, root: root)
        }
        return try CgroupLayout(mountInfo: CgroupFileIO.read("/proc/self/mountinfo"), root: root)
    }

    /// Reads /proc/self/mountinfo (injectable text + root for tests) and picks CgroupV2Manager when
    /// /sys/fs/cgroup is cgroup2 (unified), else CgroupV1Manager (hybrid/legacy). Override with env
    /// AICORE_CGROUP_VERSION=v1|v2 for tests.
    ///
    /// - Parameters:
    ///   - mountInfo: mountinfo text; nil reads /proc/self/mountinfo.
    ///   - procSelfCgroup: /proc/self/cgroup text for `.delegated`; nil reads the file.
    ///   - root: where the hierarchies are mounted.
    ///   - environment: where to look up the override; nil reads the process environment.
    ///   - placement: where the `aicore/…` cgroups go.
    public static func detect(
        mountInfo: String? = nil, procSelfCgroup: String? = nil, root: String = "/sys/fs/cgroup",
        environment: [String: String]? = nil, placement: CgroupPlacement = .hierarchyRoot
    ) throws(SystemError) -> any CgroupManager {
        try detect(layout: layout(mountInfo: mountInfo, root: root), procSelfCgroup: procSelfCgroup,
                   environment: environment, placement: placement)
    }

    /// `detect(mountInfo:…)` for a layout already read.
    static func detect(layout: CgroupLayout, procSelfCgroup: String? = nil, environment: [String: String]? = nil,
                       placement: CgroupPlacement) throws(SystemError) -> any CgroupManager {
        let override = environment.map { $0[versionOverrideVariable] } ?? getenv(versionOverrideVariable).map { String(cString: $0) }
        let version: CgroupVersion
        switch override {
        case nil, "": version = layout.setup.version
        case "v1": version = .v1
        case "v2": version = .v2
        case let other?:
            throw SystemError(
                code: .invalidArgument, operation: "read \(versionOverrideVariable)",
                detail: "expected v1 or v2, got '\(other)'")
        }
        switch version {
        case .v1:
            guard !layout.v1MountPoints.isEmpty else {
                throw SystemError(code: .notDetected, operation: "use cgroup v1 under \(layout.root)", detail: "no cgroup v1 hierarchy is mounted")
            }
            let parent: String
            if case .parent(let path) = placement { parent = path } else { parent = "" }
            return CgroupV1Manager(mountPoints: layout.v1MountPoints, parent: parent)
        case .v2:
            guard let unified = layout.unifiedMountPoint else {
                throw SystemError(code: .notDetected, operation: "use cgroup v2 under \(layout.root)", detail: "no cgroup2 hierarchy is mounted")
            }
            switch placement {
            case .hierarchyRoot: return CgroupV2Manager(root: unified)
            case .parent(let path): return CgroupV2Manager(root: unified, parent: path)
            case .delegated: return try CgroupV2Manager.delegated(root: unified, procSelfCgroup: procSelfCgroup)
            }
        }
    }

    /// The manager for `driver`: for `auto` and `systemd`, `CgroupSystemdManager` when the host
    /// has systemd as PID 1, cgroup v2 and a manager that answers on D-Bus (`systemd` on a host
    /// without them is an error saying why); otherwise `detect(placement:)`, the cgroupfs driver.
    /// Asking the bus blocks (briefly): call it off actors and event loops.
    public static func detect(driver: CgroupDriver, placement: CgroupPlacement = .hierarchyRoot) throws(SystemError) -> any CgroupManager {
        guard driver != .cgroupfs else { return try detect(placement: placement) }
        // mountinfo read once: parsing it is a measurable share of a one-shot `run`.
        let layout = try layout()
        guard try driver.resolve(on: SystemdHost.probe(layout: layout)) == .systemd else {
            return try detect(layout: layout, placement: placement)
        }
        return CgroupSystemdManager(root: layout.unifiedMountPoint ?? layout.root)
    }
}
