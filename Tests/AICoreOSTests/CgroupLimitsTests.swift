import AICoreSystem
import Testing
@testable import AICoreOS

@Suite struct CgroupLimitsTests {
    @Test func defaultsLimitOnlyPids() {
        let limits = CgroupLimits()
        #expect(limits == CgroupLimits(memoryBytes: nil, cpus: nil, cpuWeight: nil, pidsMax: 4096))
        #expect(limits.cpuQuotaMicros == nil)
    }

    @Test(arguments: [(0.5, 50_000), (1, 100_000), (2.25, 225_000), (0.001, 1_000), (0.0001, 1_000)] as [(Double, UInt64)])
    func cpuQuotaIsCPUsTimesPeriod(cpus: Double, quota: UInt64) {
        #expect(CgroupLimits(cpus: cpus).cpuQuotaMicros == quota)
    }

    @Test(arguments: [(1, 2), (100, 2_597), (10_000, 262_144), (0, 2), (20_000, 262_144)] as [(UInt64, UInt64)])
    func weightMapsToShares(weight: UInt64, shares: UInt64) {
        #expect(CgroupLimits.cpuShares(forWeight: weight) == shares)
    }

    @Test(arguments: [(2, 1), (1_024, 39), (262_144, 10_000)] as [(UInt64, UInt64)])
    func sharesMapToWeightLikeRunc(shares: UInt64, weight: UInt64) {
        #expect(CgroupLimits.cpuWeight(forShares: shares) == weight)
    }

    @Test(arguments: [
        CgroupLimits(cpus: 0), CgroupLimits(cpus: -1), CgroupLimits(cpus: .nan), CgroupLimits(cpus: .infinity),
        CgroupLimits(cpuWeight: 0), CgroupLimits(cpuWeight: 10_001), CgroupLimits(pidsMax: 0), CgroupLimits(memoryBytes: 100),
    ])
    func rejectsValuesTheKernelWouldRefuse(limits: CgroupLimits) {
        #expect(throws: SystemError.self) { try limits.validate(for: "aicore/x") }
    }

    @Test func errorReadsLikeTheFailedCall() {
        let error = SystemError.errno(16, "write 67108864 to /sys/fs/cgroup/memory/aicore/x/memory.limit_in_bytes")
        #expect(error.description == "write 67108864 to /sys/fs/cgroup/memory/aicore/x/memory.limit_in_bytes: Device or resource busy")
        #expect(error.code == .systemCall && error.errno == 16)
    }

    @Test(arguments: ["", "/abs", "a//b", "a/../b", "./a", "a/"])
    func rejectsUnsafeRelativePaths(path: String) {
        #expect(throws: SystemError.self) { try CgroupPath.components(of: path) }
    }

    @Test func joinsPathsWithSingleSlashes() {
        #expect(CgroupPath.join("/sys/fs/cgroup", "", "/system.slice/x/", "aicore/a") == "/sys/fs/cgroup/system.slice/x/aicore/a")
        #expect(CgroupPath.join("/") == "/")
    }
}
