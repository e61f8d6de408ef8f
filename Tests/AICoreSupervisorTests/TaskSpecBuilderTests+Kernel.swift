import AICoreRuntime
import AICoreSpec
import AICoreSystem
import Testing
@testable import AICoreSupervisor

extension TaskSpecBuilderTests {
    @Test func theKernelKeysOfAServiceReachItsTaskSpec() throws {
        let spec = try build(service {
            $0.kernel.shmSize = ByteSize(bytes: 128 << 20)
            $0.kernel.sysctls = ["net.core.somaxconn": "1024"]
            $0.kernel.cpuShares = 512
            $0.kernel.cpuPeriod = 50_000
            $0.kernel.cpuset = "0-1"
            $0.kernel.memSwappiness = 10
            $0.kernel.memswapLimit = .bytes(ByteSize(bytes: 1 << 30))
            $0.deploy.limits.memory = ByteSize(bytes: 512 << 20)
            $0.deploy.limits.cpus = 0.5
            $0.groupAdd = ["audio", "4242"]
            $0.devices = [DeviceMapping(source: "/dev/fuse", target: "/dev/fuse", permissions: "rw")]
            var blkio = BlockIOConfig()
            blkio.weight = 300
            blkio.deviceReadBps = [.init(path: "/dev/sda", value: 1 << 20)]
            $0.kernel.blkio = blkio
        })
        #expect(spec.shmSizeBytes == 128 << 20)
        #expect(spec.sysctls == ["net.core.somaxconn": "1024"])
        #expect(spec.limits.cpuShares == 512)
        #expect(spec.limits.cpuPeriod == 50_000)
        #expect(spec.limits.cpuQuotaMicros == 25_000)
        #expect(spec.limits.cpusetCPUs == "0-1")
        #expect(spec.limits.memorySwappiness == 10)
        #expect(spec.limits.memoryPlusSwapBytes == 1 << 30)
        #expect(spec.groupAdd == ["audio", "4242"])
        #expect(spec.devices == [TaskSpec.Device(source: "/dev/fuse", target: "/dev/fuse", permissions: "rw")])
        #expect(spec.limits.blockIO == BlockIOLimits(weight: 300, throttles: [.readBPS: [.init(path: "/dev/sda", value: 1 << 20)]]))
        #expect(!spec.privileged)
        #expect(try build(service { $0.privileged = true }).privileged)
    }

    @Test func noSwapLimitWithoutAMemoryLimit() throws {
        let spec = try build(service { $0.kernel.memswapLimit = .unlimited })
        #expect(spec.limits.memoryBytes == nil && spec.limits.memoryPlusSwapBytes == nil)
        let limited = try build(service {
            $0.kernel.memswapLimit = .unlimited
            $0.deploy.limits.memory = ByteSize(bytes: 512 << 20)
        })
        #expect(limited.limits.memoryPlusSwapBytes == .max)
    }
}
