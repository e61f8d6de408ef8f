extension StackPrinter {
    /// The kernel keys a service writes (`KernelSettings`), each only when set: a stack without
    /// them prints, and hashes, as before they existed.
    static func kernel(_ kernel: KernelSettings) -> [(String, ConfigValue)] {
        var fields: [(String, ConfigValue)] = []
        if let size = kernel.shmSize { fields.append(("shm_size", .string(size.description))) }
        if !kernel.sysctls.isEmpty { fields.append(("sysctls", stringMap(kernel.sysctls))) }
        if let shares = kernel.cpuShares { fields.append(("cpu_shares", .int(shares))) }
        if let period = kernel.cpuPeriod { fields.append(("cpu_period", .int(period))) }
        if let quota = kernel.cpuQuota { fields.append(("cpu_quota", .int(quota))) }
        if let cpuset = kernel.cpuset { fields.append(("cpuset", .string(cpuset))) }
        if let swappiness = kernel.memSwappiness { fields.append(("mem_swappiness", .int(swappiness))) }
        switch kernel.memswapLimit {
        case let .bytes(size)?: fields.append(("memswap_limit", .string(size.description)))
        case .unlimited?: fields.append(("memswap_limit", .int(-1)))
        case nil: break
        }
        if let blkio = kernel.blkio { fields.append(("blkio_config", blockIO(blkio))) }
        return fields
    }
}

extension StackPrinter {
    static func blockIO(_ config: BlockIOConfig) -> ConfigValue {
        var fields: [(String, ConfigValue)] = []
        if let weight = config.weight { fields.append(("weight", .int(weight))) }
        func devices(_ key: String, _ values: [BlockIOConfig.DeviceValue], _ name: String) {
            guard !values.isEmpty else { return }
            fields.append((key, .list(values.map { .object([("path", text($0.path)), (name, .int(Int($0.value)))]) })))
        }
        devices("weight_device", config.weightDevice, "weight")
        devices("device_read_bps", config.deviceReadBps, "rate")
        devices("device_write_bps", config.deviceWriteBps, "rate")
        devices("device_read_iops", config.deviceReadIops, "rate")
        devices("device_write_iops", config.deviceWriteIops, "rate")
        return .object(fields)
    }
}
