import AICoreSystem
import Glibc
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

extension CgroupV2ManagerTests {
    /// A block device of this host for the io files (they take its numbers).
    static var hostDisk: (path: String, number: String)? {
        for path in ["/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/loop0"] {
            var info = stat()
            if lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFBLK {
                return (path, deviceNumber(info.st_rdev))
            }
        }
        return nil
    }

    @Test func blockIOBecomesIOWeightAndOneIOMaxLinePerDevice() throws {
        let disk = try #require(Self.hostDisk)
        for dir in ["aicore", "aicore/demo", "aicore/demo/api", path] {
            try tree.write("cpu io memory pids\n", to: "\(dir)/cgroup.controllers")
        }
        try tree.write("default 100\n", to: "\(path)/io.weight")
        try tree.write("", to: "\(path)/io.max")
        var limits = CgroupLimits(pidsMax: nil)
        limits.blockIO = BlockIOLimits(weight: 300, throttles: [.readBPS: [.init(path: disk.path, value: 1 << 20)],
                                                                .writeIOPS: [.init(path: disk.path, value: 100)]])
        _ = try manager.create(path, limits: limits)
        #expect(tree.contents("cgroup.subtree_control") == "+cpu +memory +pids +io")
        #expect(tree.contents("\(path)/io.weight") == "default 300")
        // One write per device with every limit of it (the fake keeps the last write).
        #expect(tree.contents("\(path)/io.max") == "\(disk.number) rbps=1048576 wiops=100")
    }

    @Test func aBlockIOWeightWithoutAWeightFileIsRefused() throws {
        for dir in ["aicore", "aicore/demo", "aicore/demo/api", path] {
            try tree.write("cpu io memory pids\n", to: "\(dir)/cgroup.controllers")
        }
        var limits = CgroupLimits(pidsMax: nil)
        limits.blockIO = BlockIOLimits(weight: 300)
        #expect { try manager.create(path, limits: limits) } throws: { error in
            (error as? SystemError)?.detail?.contains("a weight needs the BFQ I/O scheduler") == true
        }
    }
}

/// `MAJ:MIN` of a dev_t (glibc's encoding).
func deviceNumber(_ rdev: dev_t) -> String {
    let dev = UInt64(rdev)
    return "\(((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))):\((dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))"
}
