import AICoreAddresses
/// `shm_size`, `sysctls` and the cgroup keys Compose writes at the top of a service
/// (`cpu_shares`, `cpu_period`, `cpu_quota`, `cpuset`, `mem_swappiness`, `memswap_limit`).
extension ServiceDecoder {
    func decodeKernelKey(
        _ key: String, _ value: YAMLNode, _ path: String, _ keyLocation: SourceLocation,
        into kernel: inout KernelSettings, written: inout WrittenKeys
    ) {
        written.kernel[key] = (keyLocation, path)
        switch key {
        case "shm_size":
            guard let size = context.byteSize(value, path) else { return }
            guard size.bytes > 0 else {
                context.error("expected a size greater than zero, found \(value.foundDescription)", at: value.location, path: path)
                return
            }
            kernel.shmSize = size
        case "sysctls":
            kernel.sysctls = decodeSysctls(value, path, written: &written)
        case "cpu_shares":
            kernel.cpuShares = context.int(value, path, range: 2...262_144)
        case "cpu_period":
            kernel.cpuPeriod = context.int(value, path, range: 1_000...1_000_000)
        case "cpu_quota":
            guard let quota = context.int(value, path, range: -1...Int.max, what: "a number of microseconds (-1 for no limit)")
            else { return }
            guard quota == -1 || quota >= 1_000 else {
                context.error(
                    "expected at least 1000 microseconds (the kernel's least quota), or -1 for no limit, found \(quota)",
                    at: value.location, path: path)
                return
            }
            kernel.cpuQuota = quota
        case "cpuset":
            guard let text = context.string(value, path, what: "a list of CPUs like 0-3 or 0,2") else { return }
            guard let cpus = CPUSet(parsing: text) else {
                context.error(
                    "expected a list of CPUs like 0-3 or 0,2 (numbers and ascending ranges, separated by commas), found \"\(text)\"",
                    at: value.location, path: path)
                return
            }
            kernel.cpuset = cpus.description
        case "mem_swappiness":
            kernel.memSwappiness = context.int(value, path, range: 0...100)
        case "memswap_limit":
            if value.scalar?.text.trimmingCharacters(in: .whitespaces) == "-1" {
                kernel.memswapLimit = .unlimited
            } else if let size = context.byteSize(value, path) {
                kernel.memswapLimit = .bytes(size)
            }
        case "blkio_config":
            kernel.blkio = decodeBlockIO(value, path)
        default:
            break
        }
    }

    /// `sysctls` as a mapping or a list of `name=value`: each a namespaced name with a value.
    private func decodeSysctls(_ node: YAMLNode, _ path: String, written: inout WrittenKeys) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value, location, itemPath) in context.listOrDict(node, path) ?? [] {
            guard Self.isSysctlName(name) else {
                context.error(
                    "expected a sysctl name like net.core.somaxconn (letters, digits, '_' and '-' between dots), found \"\(name)\"",
                    at: location, path: itemPath)
                continue
            }
            guard let value, !value.isEmpty else {
                context.error("`\(name)` needs a value (\(name)=VALUE)", at: location, path: itemPath)
                continue
            }
            guard !value.contains(where: \.isNewline) else {
                context.error("the value of `\(name)` is one line, found a line break", at: location, path: itemPath)
                continue
            }
            if name == "kernel.hostname" || name == "kernel.domainname" {
                // UTS-namespaced, but Docker refuses them too: the keys below own them.
                context.error("`\(name)` is set with the service's `\(name == "kernel.hostname" ? "hostname" : "domainname")` key, not as a sysctl",
                              at: location, path: itemPath)
                continue
            }
            guard KernelSettings.namespace(ofSysctl: name) != nil else {
                context.error(
                    "`\(name)` is not namespaced: the kernel has one value for the whole host, which setting it would change for every process; an instance may set only net.* (with a network namespace of its own), kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.*",
                    at: location, path: itemPath)
                continue
            }
            result[name] = value
            written.kernel["sysctls." + name] = (location, itemPath)
        }
        return result
    }

    /// Dot-separated components of letters, digits, `_` and `-`: a path under /proc/sys with no
    /// way out of it (no `/`, no empty or `..` component).
    static func isSysctlName(_ name: String) -> Bool {
        let components = name.split(separator: ".", omittingEmptySubsequences: false)
        return components.count >= 2 && name.utf8.count <= 255
            && components.allSatisfy { component in
                !component.isEmpty
                    && component.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            }
    }

    /// The checks between keys, once all are read: `cpu_quota` against `cpus`, `memswap_limit`
    /// against the memory limit, `net.*` sysctls against the network mode.
    func combineKernelSettings(_ service: inout Service, path: String, written: WrittenKeys) {
        let kernel = service.kernel
        if let quota = kernel.cpuQuota, let (location, keyPath) = written.kernel["cpu_quota"] {
            let period = kernel.cpuPeriod ?? 100_000
            if quota == -1 {
                if let cpus = service.deploy.limits.cpus {
                    context.error(
                        "cpu_quota: -1 (no limit) disagrees with cpus (\(cpus.compactDescription)); set only one", at: location, path: keyPath)
                }
            } else {
                let quotaCPUs = Double(quota) / Double(period)
                if let cpus = service.deploy.limits.cpus, abs(cpus * Double(period) - Double(quota)) >= 1 {
                    context.error(
                        "cpu_quota (\(quota) µs per \(period) µs period: \(quotaCPUs.compactDescription) CPUs) disagrees with cpus (\(cpus.compactDescription)); set only one",
                        at: location, path: keyPath)
                } else {
                    service.deploy.limits.cpus = quotaCPUs
                }
            }
        }
        if case let .bytes(swap)? = kernel.memswapLimit, let (location, keyPath) = written.kernel["memswap_limit"] {
            if let memory = service.deploy.limits.memory {
                if swap < memory {
                    context.error(
                        "memswap_limit (\(swap)) is memory plus swap, so it may not be below the memory limit (\(memory))",
                        at: location, path: keyPath)
                }
            } else {
                context.error(
                    "memswap_limit (\(swap)) needs a memory limit (mem_limit or deploy.resources.limits.memory): it is memory plus swap",
                    at: location, path: keyPath)
            }
        }
        let network = kernel.sysctls.keys.sorted().filter { KernelSettings.namespace(ofSysctl: $0) == .network }
        for name in network {
            guard let (location, keyPath) = written.kernel["sysctls." + name] else { continue }
            switch service.networkMode {
            case .host?:
                context.error(
                    "`\(name)` belongs to the network namespace, and with network_mode: host the instance has the host's: setting it would change the host; drop it or give the service a network of its own",
                    at: location, path: keyPath)
            case let .service(owner)?:
                context.error(
                    "`\(name)` belongs to the network namespace, which this service shares with `\(owner)` (network_mode: service:\(owner)): set it on \(owner)",
                    at: location, path: keyPath)
            default:
                break
            }
        }
    }
}

extension ServiceDecoder {
    /// `group_add`: group names (resolved in the instance's root when it starts) or gids.
    func decodeGroupAdd(_ node: YAMLNode, _ path: String) -> [String] {
        guard let items = node.items else {
            context.expected("a list of group names or numbers", node, path)
            return []
        }
        var groups: [String] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            guard let text = context.string(item, itemPath, what: "a group name or number") else { continue }
            let isNumber = !text.isEmpty && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
            if isNumber {
                guard let gid = UInt32(text), gid != UInt32.max else {
                    context.error("expected a gid from 0 to 4294967294, found \(text)", at: item.location, path: itemPath)
                    continue
                }
            } else if text.isEmpty || text.contains(where: { $0 == ":" || $0 == "," || $0.isWhitespace || $0 == "/" }) {
                context.error(
                    "expected a group name or number, found \"\(text)\"", at: item.location, path: itemPath)
                continue
            }
            if !groups.contains(text) { groups.append(text) }
        }
        return groups
    }
}
