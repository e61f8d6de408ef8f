import AICoreAddresses
import AICoreSystem

/// The transient scope unit an instance runs in under the systemd cgroup driver: its name, derived
/// from the instance id, and the properties it is started with.
///
/// `aicore/demo/api/demo-api-1` (the runtime's cgroup path: agent root, stack, service, instance)
/// becomes `aicore-demo-api-1.scope` in `aicore.slice`, whose cgroup is
/// `/sys/fs/cgroup/aicore.slice/aicore-demo-api-1.scope`.
public struct SystemdScope: Sendable, Equatable {
    /// The slice every instance scope goes into.
    public static let defaultSlice = "aicore.slice"
    /// The longest unit name systemd accepts (UNIT_NAME_MAX less the NUL).
    public static let maximumNameLength = 255
    /// How long systemd gives the scope's processes to stop before SIGKILL (the runtime has
    /// emptied the cgroup before it stops a scope; this bounds a stop that finds stragglers).
    public static let stopTimeoutMicros: UInt64 = 10_000_000

    /// The unit name, e.g. `aicore-demo-api-1.scope`.
    public let name: String
    public let slice: String

    /// The scope for the runtime's cgroup path `relativePath` (`<root>/<stack>/<service>/<id>`):
    /// `<root>-<id>.scope`. The root keeps two agents' instances apart (`aicore` for the system
    /// agent, `aicore-<hash>` for others).
    public init(cgroupPath relativePath: String, slice: String = SystemdScope.defaultSlice) throws(SystemError) {
        let components = try CgroupPath.components(of: relativePath)
        self.init(name: Self.unitName(prefix: components.count > 1 ? components[0] : nil, instance: components[components.count - 1]),
                  slice: slice)
    }

    init(name: String, slice: String) {
        self.name = name
        self.slice = slice
    }

    /// The scope's cgroup below the hierarchy's root: `aicore.slice/aicore-demo-api-1.scope`.
    /// (systemd escapes a unit's cgroup name only when it starts with `_` or `.` or looks like a
    /// control file; these names start with the agent's root, `aicore`.)
    public var cgroupPath: String { slice + "/" + name }

    /// `<prefix>-<instance>.scope`, every character systemd does not accept in a unit name
    /// escaped as `\xNN`, and shortened with a hash of the whole when it would be too long.
    public static func unitName(prefix: String?, instance: String) -> String {
        let base = prefix.map { $0 + "-" + instance } ?? instance
        let tokens = escapedTokens(base)
        let suffix = ".scope"
        let escaped = tokens.joined()
        guard escaped.utf8.count + suffix.utf8.count > maximumNameLength else { return escaped + suffix }
        // Whole escapes only, then a hash of the whole name tells the shortened names apart.
        let hash = "-" + fnv1a(base)
        let keep = maximumNameLength - suffix.utf8.count - hash.utf8.count
        var cut = ""
        for token in tokens {
            guard cut.utf8.count + token.utf8.count <= keep else { break }
            cut += token
        }
        return cut + hash + suffix
    }

    /// Keeps ASCII letters, digits, `:`, `_`, `.` (not first) and `-`; everything else, byte by
    /// byte of its UTF-8, becomes `\xNN` (lower-case hex), as systemd's own escaping does.
    public static func escape(_ text: String) -> String {
        escapedTokens(text).joined()
    }

    /// One string per UTF-8 byte of `text`: the character itself, or its `\xNN` escape.
    static func escapedTokens(_ text: String) -> [String] {
        text.utf8.enumerated().map { index, byte in
            let keep = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || (byte == UInt8(ascii: ".") && index > 0)
            if keep { return String(Character(Unicode.Scalar(byte))) }
            let hex = String(byte, radix: 16)
            return "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }

    /// 16 hex digits of the 64-bit FNV-1a hash of `text`'s UTF-8.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// What `StartTransientUnit` gets for an instance whose init is `pid`, in this order:
    /// where it goes and what it is, the process, `Delegate=yes` (the instance may have cgroups
    /// of its own below the scope), collection of the unit even when it failed, and the limits
    /// as unit properties, so that systemd writes them and `systemctl show` reports them.
    ///
    /// A nil limit is "no limit" (`TasksMax=infinity`: systemd's DefaultTasksMax would otherwise
    /// cap the scope, which the cgroupfs driver never does); swap is limited to nothing beyond
    /// the memory limit (`MemorySwapMax=0`), as the cgroupfs drivers do.
    public func properties(pid: UInt32, limits: CgroupLimits) -> [SystemdUnitProperty] {
        var properties: [SystemdUnitProperty] = [
            // From the name, so that a scope started from a task record's path reads the same.
            .string("Description", "aicore-node instance \(name.hasSuffix(".scope") ? String(name.dropLast(6)) : name)"),
            .string("Slice", slice),
            .pids("PIDs", [pid]),
            .bool("Delegate", true),
            .string("CollectMode", "inactive-or-failed"),
            .uint64("TimeoutStopUSec", Self.stopTimeoutMicros),
        ]
        if let bytes = limits.memoryBytes {
            properties.append(.uint64("MemoryMax", bytes))
            // memory+swap beyond memory is swap (MemorySwapMax takes bytes or infinity).
            properties.append(.uint64("MemorySwapMax", limits.memoryPlusSwapBytes.map { $0 == .max ? .max : $0 - bytes } ?? 0))
        }
        if let quota = limits.cpuQuotaMicros {
            // The quota is per 100 ms period; systemd takes it per second and writes cpu.max
            // for the period below (its default, said here so that the two never disagree).
            properties.append(.uint64("CPUQuotaPerSecUSec", quota * 1_000_000 / limits.periodMicros))
            properties.append(.uint64("CPUQuotaPeriodUSec", limits.periodMicros))
        } else if let period = limits.cpuPeriod {
            properties.append(.uint64("CPUQuotaPeriodUSec", period))
        }
        if let weight = limits.effectiveCPUWeight {
            properties.append(.uint64("CPUWeight", weight))
        }
        properties.append(.uint64("TasksMax", limits.pidsMax.map { UInt64($0) } ?? .max))
        if let text = limits.cpusetCPUs, let cpus = CPUSet(parsing: text) {
            // systemd writes cpuset.cpus from AllowedCPUs=: a file written behind its back would
            // not last its next reload.
            properties.append(.bytes("AllowedCPUs", Self.cpuMask(cpus)))
        }
        if let blockIO = limits.blockIO {
            // The same numbers the cgroupfs driver writes to io.weight and io.max; systemd
            // resolves the device paths itself.
            if let weight = blockIO.weight { properties.append(.uint64("IOWeight", weight)) }
            if !blockIO.deviceWeights.isEmpty {
                properties.append(.pathValues("IODeviceWeight", blockIO.deviceWeights.map { .init($0.path, $0.value) }))
            }
            for throttle in BlockIOLimits.Throttle.allCases {
                guard let values = blockIO.throttles[throttle], !values.isEmpty else { continue }
                properties.append(.pathValues(Self.ioProperty(throttle), values.map { .init($0.path, $0.value) }))
            }
        }
        return properties
    }

    /// AllowedCPUs='s bit mask: bit N of byte N/8 is CPU N.
    static func cpuMask(_ cpus: CPUSet) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: (cpus.cpus.max() ?? 0) / 8 + 1)
        for cpu in cpus.cpus { mask[cpu / 8] |= 1 << UInt8(cpu % 8) }
        return mask
    }

    static func ioProperty(_ throttle: BlockIOLimits.Throttle) -> String {
        switch throttle {
        case .readBPS: "IOReadBandwidthMax"
        case .writeBPS: "IOWriteBandwidthMax"
        case .readIOPS: "IOReadIOPSMax"
        case .writeIOPS: "IOWriteIOPSMax"
        }
    }
}
