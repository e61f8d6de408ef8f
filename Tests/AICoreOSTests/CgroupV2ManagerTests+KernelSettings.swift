import AICoreSystem
import Testing
@testable import AICoreOS

/// The v2 files of `cpu_shares`, `cpu_period`, `cpuset` and `memswap_limit`
/// (Documentation/admin-guide/cgroup-v2.rst), on a fake tree: this host's kernel runs cgroup v1.
extension CgroupV2ManagerTests {
    @Test func cpuSharesBecomeAWeightAsRuncConvertsThem() throws {
        _ = try manager.create(path, limits: limits { $0.cpuShares = 1024 })
        #expect(tree.contents("\(path)/cpu.weight") == "39")
        _ = try manager.create(path, limits: limits { $0.cpuShares = 2 })
        #expect(tree.contents("\(path)/cpu.weight") == "1")
        _ = try manager.create(path, limits: limits { $0.cpuShares = 262_144 })
        #expect(tree.contents("\(path)/cpu.weight") == "10000")
        // A weight given as such wins over shares.
        _ = try manager.create(path, limits: limits { $0.cpuShares = 1024; $0.cpuWeight = 300 })
        #expect(tree.contents("\(path)/cpu.weight") == "300")
    }

    @Test func theCPUPeriodGoesIntoCPUMaxWithOrWithoutAQuota() throws {
        _ = try manager.create(path, limits: limits { $0.cpus = 0.5; $0.cpuPeriod = 50_000 })
        #expect(tree.contents("\(path)/cpu.max") == "25000 50000")
        _ = try manager.create(path, limits: limits { $0.cpuPeriod = 20_000 })
        #expect(tree.contents("\(path)/cpu.max") == "max 20000")
    }

    @Test func aCpusetEnablesTheControllerAlongThePathAndNarrowsTheLeaf() throws {
        for dir in ["aicore", "aicore/demo", "aicore/demo/api", path] {
            try tree.write("cpuset cpu memory pids\n", to: "\(dir)/cgroup.controllers")
        }
        try tree.write("\n", to: "\(path)/cpuset.cpus")
        _ = try manager.create(path, limits: limits { $0.cpusetCPUs = "0" })
        for dir in ["", "aicore", "aicore/demo", "aicore/demo/api"] {
            #expect(tree.contents(dir.isEmpty ? "cgroup.subtree_control" : "\(dir)/cgroup.subtree_control") == "+cpu +memory +pids +cpuset", "\(dir)")
        }
        #expect(tree.contents("\(path)/cpuset.cpus") == "0")
    }

    @Test func withoutACpusetTheControllerIsNotEnabled() throws {
        _ = try manager.create(path, limits: limits { $0.cpus = 1 })
        #expect(tree.contents("cgroup.subtree_control") == "+cpu +memory +pids")
    }

    @Test func memoryPlusSwapLimitsTheSwapBeyondMemory() throws {
        _ = try manager.create(path, limits: limits { $0.memoryBytes = 64 << 20; $0.memoryPlusSwapBytes = 96 << 20 })
        #expect(tree.contents("\(path)/memory.max") == "67108864")
        #expect(tree.contents("\(path)/memory.swap.max") == "33554432")
        _ = try manager.create(path, limits: limits { $0.memoryBytes = 64 << 20; $0.memoryPlusSwapBytes = .max })
        #expect(tree.contents("\(path)/memory.swap.max") == "max")
        // Without swap accounting a swap limit cannot be kept: refused rather than dropped.
        try tree.remove("\(path)/memory.swap.max")
        #expect { try manager.create(path, limits: limits { $0.memoryBytes = 64 << 20; $0.memoryPlusSwapBytes = 96 << 20 }) } throws: { error in
            (error as? SystemError)?.code == .controllerUnavailable
        }
    }

    @Test func swappinessHasNoFileOnV2AndIsLeftAlone() throws {
        _ = try manager.create(path, limits: limits { $0.memoryBytes = 64 << 20; $0.memorySwappiness = 10 })
        #expect(!tree.exists("\(path)/memory.swappiness"))
    }

    @Test func settingsTheKernelWouldRefuseAreRefusedFirst() throws {
        for bad in [limits { $0.cpuShares = 1 }, limits { $0.cpuPeriod = 999 }, limits { $0.memorySwappiness = 101 },
                    limits { $0.memoryPlusSwapBytes = 1 << 30 }, limits { $0.memoryBytes = 1 << 30; $0.memoryPlusSwapBytes = 1 << 20 },
                    limits { $0.cpusetCPUs = "1-0" }, limits { $0.cpusetCPUs = "8191" }] {
            #expect(throws: SystemError.self) { try manager.create(path, limits: bad) }
        }
        #expect(tree.contents("\(path)/cpu.weight") == "100\n")
    }

    private func limits(_ change: (inout CgroupLimits) -> Void) -> CgroupLimits {
        var limits = CgroupLimits(pidsMax: nil)
        change(&limits)
        return limits
    }
}
