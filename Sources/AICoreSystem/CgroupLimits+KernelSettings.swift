import AICoreAddresses

extension CgroupLimits {
    /// The checks of the settings beyond memory, cpus and pids, before anything is written.
    func validateKernelSettings(action: String) throws(SystemError) {
        if let cpuShares, !(2...262_144).contains(cpuShares) {
            throw SystemError(code: .invalidArgument, operation: action, detail: "cpu shares must be in 2...262144, got \(cpuShares)")
        }
        if let cpuPeriod, !(1_000...1_000_000).contains(cpuPeriod) {
            throw SystemError(code: .invalidArgument, operation: action,
                              detail: "cpu period must be in 1000...1000000 microseconds, got \(cpuPeriod)")
        }
        if let memorySwappiness, memorySwappiness > 100 {
            throw SystemError(code: .invalidArgument, operation: action, detail: "memory swappiness must be in 0...100, got \(memorySwappiness)")
        }
        if let memoryPlusSwapBytes {
            guard let memoryBytes else {
                throw SystemError(code: .invalidArgument, operation: action, detail: "a memory+swap limit needs a memory limit")
            }
            if memoryPlusSwapBytes < memoryBytes {
                throw SystemError(code: .invalidArgument, operation: action,
                                  detail: "memory+swap (\(memoryPlusSwapBytes)) is below the memory limit (\(memoryBytes))")
            }
        }
        if let blockIO {
            for weight in [blockIO.weight].compactMap({ $0 }) + blockIO.deviceWeights.map(\.value) where !(10...1000).contains(weight) {
                throw SystemError(code: .invalidArgument, operation: action, detail: "block I/O weight must be in 10...1000, got \(weight)")
            }
        }
        if let cpusetCPUs {
            guard let wanted = CPUSet(parsing: cpusetCPUs) else {
                throw SystemError(code: .invalidArgument, operation: action, detail: "cpuset \"\(cpusetCPUs)\" is not a list of CPUs like 0-3 or 0,2")
            }
            // The kernel refuses offline CPUs with a bare EINVAL: say which.
            if let online = try? CPUSet(parsing: FileIO.readString(CPUSet.onlineFile)) {
                let missing = wanted.cpus.subtracting(online.cpus)
                if !missing.isEmpty {
                    throw SystemError(code: .invalidArgument, operation: action,
                                      detail: "cpuset \(cpusetCPUs) names CPUs this host does not have online (\(CPUSet(missing).description)); online: \(online)")
                }
            }
        }
    }
}
