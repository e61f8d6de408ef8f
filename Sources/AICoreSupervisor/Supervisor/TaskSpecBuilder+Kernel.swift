import AICoreRuntime
import AICoreSpec
import AICoreSystem

extension TaskSpecBuilder {
    /// A service's `shm_size`, `sysctls` and cgroup keys beyond `deploy.resources`, onto its
    /// instance's spec. `cpu_quota` is already in `deploy.resources.limits.cpus` (the loader
    /// folds it in), so only its period comes from here.
    static func applyKernelSettings(_ kernel: KernelSettings, to spec: inout TaskSpec) {
        spec.shmSizeBytes = kernel.shmSize?.bytes
        spec.sysctls = kernel.sysctls
        spec.limits.cpuShares = kernel.cpuShares.map { UInt64($0) }
        spec.limits.cpuPeriod = kernel.cpuPeriod.map { UInt64($0) }
        spec.limits.cpusetCPUs = kernel.cpuset
        spec.limits.memorySwappiness = kernel.memSwappiness.map { UInt64($0) }
        if let blkio = kernel.blkio {
            let values = { (list: [BlockIOConfig.DeviceValue]) in list.map { BlockIOLimits.DeviceValue(path: $0.path, value: $0.value) } }
            spec.limits.blockIO = BlockIOLimits(
                weight: blkio.weight.map { UInt64($0) }, deviceWeights: values(blkio.weightDevice),
                throttles: [.readBPS: values(blkio.deviceReadBps), .writeBPS: values(blkio.deviceWriteBps),
                            .readIOPS: values(blkio.deviceReadIops), .writeIOPS: values(blkio.deviceWriteIops)].filter { !$0.value.isEmpty })
        }
        // Without a memory limit nothing limits swap either: `-1` then changes nothing (the
        // loader refuses a size without a memory limit).
        guard spec.limits.memoryBytes != nil else { return }
        switch kernel.memswapLimit {
        case let .bytes(size)?: spec.limits.memoryPlusSwapBytes = size.bytes
        case .unlimited?: spec.limits.memoryPlusSwapBytes = .max
        case nil: break
        }
    }
}
