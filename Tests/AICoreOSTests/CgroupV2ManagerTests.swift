import AICoreSystem
import Testing
@testable import AICoreOS

@Suite struct CgroupV2ManagerTests {
    let tree: CgroupFakeTree
    let manager: CgroupV2Manager
    let path = "aicore/demo/api/demo-api-1"

    init() throws {
        tree = try CgroupFakeTree()
        try tree.layOutV2(path)
        manager = CgroupV2Manager(root: tree.root)
    }

    @Test func createEnablesControllersAlongThePathAndWritesLimits() throws {
        let handle = try manager.create(path, limits: CgroupLimits(memoryBytes: 64 << 20, cpus: 0.5, cpuWeight: 200, pidsMax: 4096))
        let leaf = tree.path(path)
        #expect(handle == CgroupHandle(relativePath: path, directories: [leaf], unifiedDirectory: leaf))
        for dir in ["", "aicore", "aicore/demo", "aicore/demo/api"] {
            #expect(tree.contents(dir.isEmpty ? "cgroup.subtree_control" : "\(dir)/cgroup.subtree_control") == "+cpu +memory +pids", "\(dir)")
        }
        #expect(tree.contents("\(path)/cgroup.subtree_control") == "\n")   // the leaf keeps none
        #expect(tree.contents("\(path)/memory.max") == "67108864")
        #expect(tree.contents("\(path)/memory.swap.max") == "0")
        #expect(tree.contents("\(path)/cpu.max") == "50000 100000")
        #expect(tree.contents("\(path)/cpu.weight") == "200")
        #expect(tree.contents("\(path)/pids.max") == "4096")
    }

    @Test func onlyMissingAndAvailableControllersAreEnabled() throws {
        try tree.write("cpu memory pids\n", to: "cgroup.subtree_control")
        try tree.write("cpu\n", to: "aicore/cgroup.subtree_control")
        try tree.write("cpu memory\n", to: "aicore/demo/cgroup.controllers")   // pids not delegated below aicore
        _ = try manager.create(path, limits: CgroupLimits(pidsMax: nil))
        #expect(tree.contents("cgroup.subtree_control") == "cpu memory pids\n")
        #expect(tree.contents("aicore/cgroup.subtree_control") == "+memory +pids")
        #expect(tree.contents("aicore/demo/cgroup.subtree_control") == "+cpu +memory")
    }

    @Test func aLimitWhoseControllerIsNotDelegatedIsRefused() throws {
        try tree.write("cpu memory\n", to: "\(path)/cgroup.controllers")
        #expect { try manager.create(path, limits: CgroupLimits(pidsMax: 100)) } throws: { error in
            (error as? SystemError)?.code == .controllerUnavailable
        }
        #expect(tree.contents("\(path)/pids.max") == "max\n")
    }

    @Test func nilLimitsWriteNothingAndMissingSwapIsTolerated() throws {
        _ = try manager.create(path, limits: CgroupLimits(pidsMax: nil))
        for name in ["memory.max", "memory.swap.max", "cpu.max", "cpu.weight", "pids.max"] {
            #expect(tree.contents("\(path)/\(name)") == CgroupFakeTree.v2LeafFiles[name])
        }
        try tree.remove("\(path)/memory.swap.max")
        _ = try manager.create(path, limits: CgroupLimits(memoryBytes: 1 << 30, pidsMax: nil))
        #expect(tree.contents("\(path)/memory.max") == "1073741824")
        #expect(!tree.exists("\(path)/memory.swap.max"))
    }

    @Test func createUnderAParentMakesMissingDirectories() throws {
        let fresh = CgroupV2Manager(root: tree.root, parent: "machine.slice")
        // A directory made by mkdir in a plain tree has no control files (cgroupfs would add them): the
        // failure names the file.
        let missing = tree.path("machine.slice/cgroup.subtree_control")
        #expect { try fresh.create("aicore/x", limits: CgroupLimits(pidsMax: nil)) } throws: { error in
            (error as? SystemError)?.description == "read \(missing): No such file or directory"
        }
        #expect(tree.exists("machine.slice"))
        try tree.layOutV2("aicore", under: "machine.slice")
        let handle = try fresh.create("aicore/x", limits: CgroupLimits(pidsMax: nil))
        #expect(handle.unifiedDirectory == tree.path("machine.slice/aicore/x"))
        #expect(tree.exists("machine.slice/aicore/x"))
        #expect(tree.contents("machine.slice/aicore/cgroup.subtree_control") == "+cpu +memory +pids")
    }

    @Test func addProcessAndProcesses() throws {
        let handle = try manager.handle(for: path)
        try manager.addProcess(4242, to: handle)
        #expect(tree.contents("\(path)/cgroup.procs") == "4242")
        try tree.write("31\n30\n", to: "\(path)/cgroup.procs")
        #expect(try manager.processes(handle) == [30, 31])
        #expect(try manager.processes(manager.handle(for: "aicore/gone")) == [])
    }

    @Test func statsReadTheV2Files() throws {
        let handle = try manager.handle(for: path)
        try tree.write("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 9\nnr_throttled 4\nthrottled_usec 250\n", to: "\(path)/cpu.stat")
        try tree.write("4096\n", to: "\(path)/memory.current")
        try tree.write("8192\n", to: "\(path)/memory.peak")
        try tree.write("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n", to: "\(path)/memory.events")
        try tree.write("2\n", to: "\(path)/pids.current")
        #expect(try manager.stats(handle) == CgroupStats(
            cpuUsageNanos: 1_500_000, cpuThrottledPeriods: 4, cpuThrottledNanos: 250_000,
            memoryCurrentBytes: 4096, memoryPeakBytes: 8192, pidsCurrent: 2, oomKills: 1))
        #expect(try manager.wasOOMKilled(handle))
        try tree.remove("\(path)/memory.peak")   // kernels before 5.19
        #expect(try manager.stats(handle).memoryPeakBytes == nil)
    }

    @Test func notOOMKilledByDefault() throws {
        #expect(try !manager.wasOOMKilled(manager.handle(for: path)))
    }

    @Test func killAllOnAnEmptyCgroupWritesNothing() throws {
        try manager.killAll(manager.handle(for: path))
        #expect(tree.contents("\(path)/cgroup.kill") == "")
        #expect(tree.contents("\(path)/cgroup.freeze") == "0\n")
    }

    @Test func killAllUsesCgroupKillAndBoundsTheWait() throws {
        try tree.write("populated 1\nfrozen 0\n", to: "\(path)/cgroup.events")
        let quick = CgroupV2Manager(root: tree.root, killTimeout: .milliseconds(100))
        #expect { try quick.killAll(quick.handle(for: path)) } throws: { error in
            (error as? SystemError)?.code == .timedOut
        }
        #expect(tree.contents("\(path)/cgroup.kill") == "1")
        #expect(tree.contents("\(path)/cgroup.freeze") == "0\n")
    }

    @Test func killAllWithoutCgroupKillFreezesAndThaws() throws {
        try tree.write("populated 1\nfrozen 0\n", to: "\(path)/cgroup.events")
        let freezing = CgroupV2Manager(root: tree.root, parent: "", killTimeout: .milliseconds(300), removeTimeout: .seconds(1), usesCgroupKill: false)
        #expect { try freezing.killAll(freezing.handle(for: path)) } throws: { error in
            (error as? SystemError)?.code == .timedOut
        }
        #expect(tree.contents("\(path)/cgroup.kill") == "")
        #expect(tree.contents("\(path)/cgroup.freeze") == "0")   // thawed after each round
    }

    @Test func destroyRemovesTheLeafAndToleratesENOENT() throws {
        let handle = try manager.create("aicore/demo/api/fresh", limits: CgroupLimits(pidsMax: nil))
        #expect(tree.exists("aicore/demo/api/fresh"))
        try manager.destroy(handle)
        #expect(!tree.exists("aicore/demo/api/fresh"))
        try manager.destroy(handle)
    }

    // MARK: prepareDelegatedRoot

    @Test func delegatedRootMovesTheAgentIntoASupervisorLeaf() throws {
        let delegated = try CgroupFakeTree()
        try delegated.layOutV2("supervisor", under: "system.slice/aicore-node.service")
        try delegated.write("4242\n", to: "system.slice/aicore-node.service/cgroup.procs")
        let base = try CgroupV2Manager.prepareDelegatedRoot(
            root: delegated.root, procSelfCgroup: "1:name=systemd:/system.slice/aicore-node.service\n0::/system.slice/aicore-node.service\n")
        #expect(base == "system.slice/aicore-node.service")
        #expect(delegated.contents("system.slice/aicore-node.service/supervisor/cgroup.procs") == "4242")

        // Instance cgroups then go beside the supervisor leaf, with controllers enabled in the service dir.
        try delegated.layOutV2("aicore/s/x", under: base)
        let manager = CgroupV2Manager(root: delegated.root, parent: base)
        let handle = try manager.create("aicore/s/x", limits: CgroupLimits())
        #expect(handle.unifiedDirectory == delegated.path("system.slice/aicore-node.service/aicore/s/x"))
        #expect(delegated.contents("system.slice/aicore-node.service/cgroup.subtree_control") == "+cpu +memory +pids")
        #expect(delegated.contents("system.slice/aicore-node.service/aicore/s/x/pids.max") == "4096")
    }

    @Test func delegatedRootWhenAlreadyInTheLeafOrAtTheRoot() throws {
        let empty = try CgroupFakeTree()
        #expect(try CgroupV2Manager.prepareDelegatedRoot(root: empty.root, procSelfCgroup: "0::/system.slice/a.service/supervisor\n")
                == "system.slice/a.service")
        #expect(try CgroupV2Manager.prepareDelegatedRoot(root: empty.root, procSelfCgroup: "0::/\n") == "")
        #expect(!empty.exists("system.slice"))
        #expect { try CgroupV2Manager.prepareDelegatedRoot(root: empty.root, procSelfCgroup: "4:memory:/x\n") } throws: { error in
            (error as? SystemError)?.code == .notDetected
        }
    }
}
