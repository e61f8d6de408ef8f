import AICoreSystem
import Testing
@testable import AICoreOS

@Suite struct CgroupV1ManagerTests {
    let tree: CgroupFakeTree
    let manager: CgroupV1Manager
    let path = "aicore/demo/api/demo-api-1"

    init() throws {
        tree = try CgroupFakeTree()
        try tree.layOutV1(path)
        manager = CgroupV1Manager(root: tree.root)
    }

    @Test func createWritesEveryLimitInItsHierarchy() throws {
        let handle = try manager.create(path, limits: CgroupLimits(memoryBytes: 64 << 20, cpus: 0.5, cpuWeight: 100, pidsMax: 4096))
        #expect(handle.relativePath == path)
        #expect(handle.directories == CgroupV1Manager.controllers.map { tree.path("\($0)/\(path)") })
        #expect(handle.unifiedDirectory == nil)
        #expect(tree.contents("memory/\(path)/memory.limit_in_bytes") == "67108864")
        #expect(tree.contents("memory/\(path)/memory.memsw.limit_in_bytes") == "67108864")
        #expect(tree.contents("cpu/\(path)/cpu.cfs_period_us") == "100000")
        #expect(tree.contents("cpu/\(path)/cpu.cfs_quota_us") == "50000")
        #expect(tree.contents("cpu/\(path)/cpu.shares") == "2597")
        #expect(tree.contents("pids/\(path)/pids.max") == "4096")
        #expect(tree.contents("freezer/\(path)/freezer.state") == "THAWED\n")
    }

    @Test func nilLimitsWriteNothing() throws {
        _ = try manager.create(path, limits: CgroupLimits(pidsMax: nil))
        for (controller, files) in CgroupFakeTree.v1Files {
            for (name, content) in files {
                #expect(tree.contents("\(controller)/\(path)/\(name)") == content, "\(controller)/\(name)")
            }
        }
    }

    @Test func createMakesMissingDirectoriesAndIsIdempotent() throws {
        let fresh = "aicore/other/web/other-web-1"
        let first = try manager.create(fresh, limits: CgroupLimits(pidsMax: nil))
        let second = try manager.create(fresh, limits: CgroupLimits(pidsMax: nil))
        #expect(first == second)
        for controller in CgroupV1Manager.controllers {
            #expect(tree.exists("\(controller)/\(fresh)"))
        }
        try manager.destroy(first)
        for controller in CgroupV1Manager.controllers {
            #expect(!tree.exists("\(controller)/\(fresh)"))
        }
        try manager.destroy(first)   // ENOENT is fine
    }

    @Test func memoryWritesKeepMemswAboveMemory() {
        // Lowering (a fresh cgroup is unlimited): memory first, then memsw.
        #expect(CgroupV1Manager.memoryWriteOrder(newLimit: 64 << 20, currentSwapLimit: 9_223_372_036_854_771_712)
                == ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"])
        #expect(CgroupV1Manager.memoryWriteOrder(newLimit: 64 << 20, currentSwapLimit: 64 << 20)
                == ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"])
        // Raising above the current memsw: memsw first.
        #expect(CgroupV1Manager.memoryWriteOrder(newLimit: 128 << 20, currentSwapLimit: 64 << 20)
                == ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"])
        #expect(CgroupV1Manager.memoryWriteOrder(newLimit: 128 << 20, currentSwapLimit: nil)
                == ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"])
    }

    @Test func missingMemswIsTolerated() throws {
        try tree.remove("memory/\(path)/memory.memsw.limit_in_bytes")
        _ = try manager.create(path, limits: CgroupLimits(memoryBytes: 32 << 20))
        #expect(tree.contents("memory/\(path)/memory.limit_in_bytes") == "33554432")
        #expect(!tree.exists("memory/\(path)/memory.memsw.limit_in_bytes"))
    }

    @Test func missingControlFileNamesTheWriteAndThePath() throws {
        try tree.remove("pids/\(path)/pids.max")
        let file = tree.path("pids/\(path)/pids.max")
        #expect { try manager.create(path, limits: CgroupLimits()) } throws: { error in
            (error as? SystemError)?.description == "write 4096 to \(file): No such file or directory"
        }
    }

    @Test func aLimitWithoutItsHierarchyIsRefused() throws {
        let noPids = CgroupV1Manager(mountPoints: manager.mountPoints.filter { $0.key != "pids" })
        #expect { try noPids.create(path, limits: CgroupLimits(pidsMax: 10)) } throws: { error in
            (error as? SystemError)?.code == .controllerUnavailable
        }
        let handle = try noPids.create(path, limits: CgroupLimits(memoryBytes: 1 << 20, pidsMax: nil))
        #expect(handle.directories.count == 5)
    }

    @Test func aDeviceAllowlistDeniesAllThenAllowsEachRule() throws {
        _ = try manager.create(path, limits: CgroupLimits(devices: [DeviceRule(.char, 1, 3, .all), DeviceRule(.block, nil, nil, .mknod)]))
        // The fake files keep the last write: the deny, then the last allow line.
        #expect(tree.contents("devices/\(path)/devices.deny") == "a")
        #expect(tree.contents("devices/\(path)/devices.allow") == "b *:* m")
    }

    @Test func addProcessJoinsEveryHierarchy() throws {
        let handle = try manager.create(path, limits: CgroupLimits(pidsMax: nil))
        try manager.addProcess(4242, to: handle)
        for controller in CgroupV1Manager.controllers {
            #expect(tree.contents("\(controller)/\(path)/cgroup.procs") == "4242")
        }
    }

    @Test func processesIsTheUnionOfAllHierarchies() throws {
        let handle = try manager.handle(for: path)
        try tree.write("10\n12\n", to: "memory/\(path)/cgroup.procs")
        try tree.write("11\n12\n", to: "pids/\(path)/cgroup.procs")
        #expect(try manager.processes(handle) == [10, 11, 12])
        #expect(try manager.processes(manager.handle(for: "aicore/none")) == [])
    }

    @Test func statsReadTheV1Files() throws {
        let handle = try manager.handle(for: path)
        try tree.write("123456789\n", to: "cpuacct/\(path)/cpuacct.usage")
        try tree.write("nr_periods 20\nnr_throttled 7\nthrottled_time 3500000\n", to: "cpu/\(path)/cpu.stat")
        try tree.write("1048576\n", to: "memory/\(path)/memory.usage_in_bytes")
        try tree.write("2097152\n", to: "memory/\(path)/memory.max_usage_in_bytes")
        try tree.write("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", to: "memory/\(path)/memory.oom_control")
        try tree.write("3\n", to: "pids/\(path)/pids.current")
        #expect(try manager.stats(handle) == CgroupStats(
            cpuUsageNanos: 123_456_789, cpuThrottledPeriods: 7, cpuThrottledNanos: 3_500_000,
            memoryCurrentBytes: 1_048_576, memoryPeakBytes: 2_097_152, pidsCurrent: 3, oomKills: 2))
    }

    @Test func oomKillComesFromOomControlThenFailcnt() throws {
        let handle = try manager.handle(for: path)
        #expect(try !manager.wasOOMKilled(handle))
        try tree.write("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", to: "memory/\(path)/memory.oom_control")
        #expect(try manager.wasOOMKilled(handle))
        // Kernels before 4.13 have no oom_kill line: the limit having been hit is the fallback.
        try tree.write("oom_kill_disable 0\nunder_oom 0\n", to: "memory/\(path)/memory.oom_control")
        #expect(try !manager.wasOOMKilled(handle))
        try tree.write("3\n", to: "memory/\(path)/memory.failcnt")
        #expect(try manager.wasOOMKilled(handle))
    }

    @Test func killAllOnAnEmptyCgroupLeavesTheFreezerAlone() throws {
        let handle = try manager.handle(for: path)
        try manager.killAll(handle)
        #expect(tree.contents("freezer/\(path)/freezer.state") == "THAWED\n")
    }

    @Test func relativePathsCannotEscape() {
        #expect { try manager.create("../../etc", limits: CgroupLimits()) } throws: { error in
            (error as? SystemError)?.code == .invalidArgument
        }
    }
}
