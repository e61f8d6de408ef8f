import AICoreAddresses
import AICoreSystem
import Testing
@testable import AICoreOS

@Suite struct SystemdScopeTests {
    @Test(arguments: [
        ("aicore/demo/api/demo-api-1", "aicore-demo-api-1.scope"),
        ("aicore/shop/web_front/shop-web_front-12", "aicore-shop-web_front-12.scope"),
        ("aicore/shop/v1.2/shop-v1.2-1", "aicore-shop-v1.2-1.scope"),
        ("aicore-1a2b3c4d/demo/api/demo-api-1", "aicore-1a2b3c4d-demo-api-1.scope"),
    ])
    func anInstanceScopeIsNamedAfterTheAgentsRootAndTheInstanceId(path: String, name: String) throws {
        let scope = try SystemdScope(cgroupPath: path)
        #expect(scope.name == name)
        #expect(scope.slice == "aicore.slice")
        #expect(scope.cgroupPath == "aicore.slice/" + name)
    }

    @Test(arguments: [
        ("plain-name_1:2.x", "plain-name_1:2.x"),
        (".hidden", "\\x2ehidden"),
        ("a b", "a\\x20b"),
        ("a@b", "a\\x40b"),
        ("a\\b", "a\\x5cb"),
        ("a/b", "a\\x2fb"),
        ("é", "\\xc3\\xa9"),
    ])
    func whatSystemdWouldRefuseInAUnitNameIsEscapedByteByByte(text: String, escaped: String) {
        #expect(SystemdScope.escape(text) == escaped)
    }

    @Test func aNameTooLongForSystemdIsCutOnAWholeEscapeAndKeptApartByAHash() {
        let long = String(repeating: "x", count: 240) + String(repeating: "é", count: 20)
        let name = SystemdScope.unitName(prefix: "aicore", instance: long)
        #expect(name.utf8.count <= SystemdScope.maximumNameLength)
        #expect(name.hasPrefix("aicore-xxxx") && name.hasSuffix(".scope"))
        let beforeHash = name.dropLast(".scope".count + 17)
        #expect(!beforeHash.hasSuffix("\\") && !beforeHash.hasSuffix("\\x") && !beforeHash.hasSuffix("\\xc"))
        #expect(SystemdScope.unitName(prefix: "aicore", instance: long + "y") != name, "two long ids keep two scopes")
        #expect(SystemdScope.unitName(prefix: "aicore", instance: "demo-api-1") == "aicore-demo-api-1.scope")
    }

    @Test func aPathWithEmptyOrDotComponentsIsRefused() {
        for path in ["", "/aicore/x", "aicore/../x", "aicore//x"] {
            #expect(throws: SystemError.self, "\(path)") { _ = try SystemdScope(cgroupPath: path) }
        }
    }

    @Test func theScopeIsStartedAroundTheInitWithDelegationAndTheLimitsAsUnitProperties() throws {
        let scope = try SystemdScope(cgroupPath: "aicore/demo/api/demo-api-1")
        let limits = CgroupLimits(memoryBytes: 256 << 20, cpus: 0.5, cpuWeight: 200, pidsMax: 64)
        #expect(scope.properties(pid: 4242, limits: limits).map(\.description) == [
            "Description=aicore-node instance aicore-demo-api-1",
            "Slice=aicore.slice",
            "PIDs=4242",
            "Delegate=yes",
            "CollectMode=inactive-or-failed",
            "TimeoutStopUSec=10000000",
            "MemoryMax=268435456",
            "MemorySwapMax=0",
            "CPUQuotaPerSecUSec=500000",
            "CPUQuotaPeriodUSec=100000",
            "CPUWeight=200",
            "TasksMax=64",
        ])
    }

    /// cpuset as AllowedCPUs (bit N of byte N/8 is CPU N), blkio_config as IOWeight and one
    /// path-value list per device setting, the numbers the cgroupfs driver writes.
    @Test func cpusetAndBlockIOBecomeAllowedCPUsAndIOProperties() throws {
        let scope = try SystemdScope(cgroupPath: "aicore/demo/api/demo-api-1")
        var limits = CgroupLimits(pidsMax: nil)
        limits.cpusetCPUs = "0,2-3,9"
        limits.blockIO = BlockIOLimits(weight: 300, deviceWeights: [.init(path: "/dev/vda", value: 200)],
                                       throttles: [.readBPS: [.init(path: "/dev/vda", value: 1 << 20)],
                                                   .writeIOPS: [.init(path: "/dev/vda", value: 100), .init(path: "/dev/vdb", value: 50)]])
        #expect(Array(scope.properties(pid: 7, limits: limits).map(\.description).suffix(5)) == [
            "AllowedCPUs=0d02",
            "IOWeight=300",
            "IODeviceWeight=/dev/vda 200",
            "IOReadBandwidthMax=/dev/vda 1048576",
            "IOWriteIOPSMax=/dev/vda 100, /dev/vdb 50",
        ])
        #expect(SystemdScope.cpuMask(CPUSet([0])) == [0x01])
        #expect(SystemdScope.cpuMask(CPUSet([8, 15])) == [0x00, 0x81])
    }

    @Test func noLimitsMeansNoLimitPropertiesButTasksMaxInfinity() throws {
        let scope = try SystemdScope(cgroupPath: "aicore/demo/api/demo-api-1")
        let properties = scope.properties(pid: 7, limits: CgroupLimits(pidsMax: nil))
        #expect(!properties.contains { ["MemoryMax", "MemorySwapMax", "CPUQuotaPerSecUSec", "CPUWeight"].contains($0.name) })
        #expect(properties.last == .uint64("TasksMax", .max))
        #expect(properties.last?.description == "TasksMax=infinity", "systemd's DefaultTasksMax would cap it otherwise")
    }

    @Test func sharesPeriodAndSwapBecomeUnitProperties() throws {
        let scope = try SystemdScope(cgroupPath: "aicore/demo/api/demo-api-1")
        var limits = CgroupLimits(memoryBytes: 64 << 20, cpus: 0.5, pidsMax: nil)
        limits.cpuShares = 1024
        limits.cpuPeriod = 50_000
        limits.memoryPlusSwapBytes = 96 << 20
        let properties = scope.properties(pid: 7, limits: limits)
        #expect(properties.contains(.uint64("MemorySwapMax", 32 << 20)))
        #expect(properties.contains(.uint64("CPUQuotaPerSecUSec", 500_000)), "25 ms per 50 ms period")
        #expect(properties.contains(.uint64("CPUQuotaPeriodUSec", 50_000)))
        #expect(properties.contains(.uint64("CPUWeight", 39)))
        limits.memoryPlusSwapBytes = .max
        #expect(scope.properties(pid: 7, limits: limits).contains(.uint64("MemorySwapMax", .max)))
    }

    @Test func aCPUQuotaBelowTheKernelsMinimumIsRaisedToIt() throws {
        let scope = try SystemdScope(cgroupPath: "aicore/demo/api/demo-api-1")
        let properties = scope.properties(pid: 7, limits: CgroupLimits(cpus: 0.001))
        #expect(properties.contains(.uint64("CPUQuotaPerSecUSec", 10_000)), "1 ms per 100 ms period")
    }
}
