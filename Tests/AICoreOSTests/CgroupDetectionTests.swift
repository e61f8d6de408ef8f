import AICoreSystem
import Testing
@testable import AICoreOS

@Suite struct CgroupDetectionTests {
    static let unified = """
        22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
        25 23 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        """

    /// This machine's layout: v1 controllers, each alone, and a cgroup2 mount at unified.
    static let hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    /// systemd's legacy layout: cpu and cpuacct co-mounted, no cgroup2.
    static let legacy = """
        25 23 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
        27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
        30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct
        31 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
        32 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,pids
        33 25 0:31 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,freezer
        """

    @Test func unifiedHost() throws {
        let layout = try CgroupLayout(mountInfo: Self.unified)
        #expect(layout == CgroupLayout(setup: .unified, root: "/sys/fs/cgroup", unifiedMountPoint: "/sys/fs/cgroup", v1MountPoints: [:]))
        let manager = try CgroupDetection.detect(mountInfo: Self.unified, environment: [:])
        let v2 = try #require(manager as? CgroupV2Manager)
        #expect(v2.version == .v2 && v2.root == "/sys/fs/cgroup" && v2.parent == "")
    }

    @Test func hybridHostUsesV1() throws {
        let layout = try CgroupLayout(mountInfo: Self.hybrid)
        #expect(layout.setup == .hybrid)
        #expect(layout.unifiedMountPoint == "/sys/fs/cgroup/unified")
        #expect(layout.v1MountPoints["memory"] == "/sys/fs/cgroup/memory")
        #expect(layout.v1MountPoints["name=systemd"] == "/sys/fs/cgroup/systemd")
        let v1 = try #require(try CgroupDetection.detect(mountInfo: Self.hybrid, environment: [:]) as? CgroupV1Manager)
        #expect(v1.mountPoints == [
            "cpu": "/sys/fs/cgroup/cpu", "cpuacct": "/sys/fs/cgroup/cpuacct", "memory": "/sys/fs/cgroup/memory",
            "freezer": "/sys/fs/cgroup/freezer", "pids": "/sys/fs/cgroup/pids",
        ])
        let handle = try v1.handle(for: "aicore/demo/api/demo-api-1")
        #expect(handle.directories == [
            "/sys/fs/cgroup/memory/aicore/demo/api/demo-api-1", "/sys/fs/cgroup/cpu/aicore/demo/api/demo-api-1",
            "/sys/fs/cgroup/cpuacct/aicore/demo/api/demo-api-1", "/sys/fs/cgroup/pids/aicore/demo/api/demo-api-1",
            "/sys/fs/cgroup/freezer/aicore/demo/api/demo-api-1",
        ])
        #expect(handle.unifiedDirectory == nil)
    }

    @Test func legacyHostSharesCoMountedHierarchy() throws {
        let layout = try CgroupLayout(mountInfo: Self.legacy)
        #expect(layout.setup == .legacy && layout.unifiedMountPoint == nil)
        let v1 = try #require(try CgroupDetection.detect(mountInfo: Self.legacy, environment: [:]) as? CgroupV1Manager)
        #expect(v1.mountPoints["cpu"] == "/sys/fs/cgroup/cpu,cpuacct" && v1.mountPoints["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct")
        // One directory for the co-mounted pair, not two.
        #expect(try v1.handle(for: "aicore/x").directories == [
            "/sys/fs/cgroup/memory/aicore/x", "/sys/fs/cgroup/cpu,cpuacct/aicore/x", "/sys/fs/cgroup/pids/aicore/x", "/sys/fs/cgroup/freezer/aicore/x",
        ])
    }

    @Test func noCgroupMountIsAnError() {
        #expect { try CgroupLayout(mountInfo: "22 28 0:21 / /proc rw - proc proc rw\n") } throws: { error in
            (error as? SystemError)?.code == .notDetected
        }
    }

    @Test func mountsOutsideTheRootAreIgnored() throws {
        let text = "50 1 0:40 / /mnt/other rw - cgroup2 cgroup2 rw\n" + Self.legacy
        #expect(try CgroupLayout(mountInfo: text).setup == .legacy)
    }

    @Test func unescapesMountPoints() throws {
        let text = "25 23 0:23 / /tmp/my\\040cgroups rw - cgroup2 cgroup2 rw\n"
        let layout = try CgroupLayout(mountInfo: text, root: "/tmp/my cgroups")
        #expect(layout.setup == .unified && layout.unifiedMountPoint == "/tmp/my cgroups")
    }

    @Test func environmentOverridesTheVersion() throws {
        let v2 = try #require(try CgroupDetection.detect(mountInfo: Self.hybrid, environment: ["AICORE_CGROUP_VERSION": "v2"]) as? CgroupV2Manager)
        #expect(v2.root == "/sys/fs/cgroup/unified")
        #expect(try CgroupDetection.detect(mountInfo: Self.hybrid, environment: ["AICORE_CGROUP_VERSION": "v1"]).version == .v1)
        #expect { try CgroupDetection.detect(mountInfo: Self.unified, environment: ["AICORE_CGROUP_VERSION": "v1"]) } throws: { error in
            (error as? SystemError)?.code == .notDetected
        }
        #expect { try CgroupDetection.detect(mountInfo: Self.unified, environment: ["AICORE_CGROUP_VERSION": "v3"]) } throws: { error in
            (error as? SystemError)?.code == .invalidArgument
        }
    }

    @Test func explicitParent() throws {
        let v2 = try #require(try CgroupDetection.detect(mountInfo: Self.unified, environment: [:], placement: .parent("machine.slice")) as? CgroupV2Manager)
        #expect(try v2.handle(for: "aicore/x").unifiedDirectory == "/sys/fs/cgroup/machine.slice/aicore/x")
        let v1 = try #require(try CgroupDetection.detect(mountInfo: Self.hybrid, environment: [:], placement: .parent("mine")) as? CgroupV1Manager)
        #expect(v1.directory("memory", "aicore/x") == "/sys/fs/cgroup/memory/mine/aicore/x")
        // v1 has no delegation: .delegated stays at the hierarchy roots.
        let plain = try #require(try CgroupDetection.detect(mountInfo: Self.hybrid, environment: [:], placement: .delegated) as? CgroupV1Manager)
        #expect(plain.parent == "")
    }

    @Test func delegatedPlacementMovesTheAgentIntoALeaf() throws {
        let tree = try CgroupFakeTree()
        try tree.layOutV2("supervisor", under: "system.slice/aicore-node.service")
        try tree.write("4242\n", to: "system.slice/aicore-node.service/cgroup.procs")
        let mountInfo = "25 23 0:23 / \(tree.root) rw - cgroup2 cgroup2 rw\n"
        let manager = try CgroupDetection.detect(
            mountInfo: mountInfo, procSelfCgroup: "0::/system.slice/aicore-node.service\n", root: tree.root,
            environment: [:], placement: .delegated)
        let v2 = try #require(manager as? CgroupV2Manager)
        #expect(v2.parent == "system.slice/aicore-node.service")
        #expect(tree.contents("system.slice/aicore-node.service/supervisor/cgroup.procs") == "4242")
    }
}
