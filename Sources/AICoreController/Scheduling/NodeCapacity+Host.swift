import AICoreOS

#if canImport(Glibc)
import Glibc
#endif

extension NodeCapacity {
    public struct ProbeError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// This host's capacity: CPUs online (`sysconf`), MemTotal from /proc/meminfo, less `reserve`
    /// (never below zero).
    public static func host(node: String = "local", reserve: SystemReserve = SystemReserve()) throws(ProbeError) -> NodeCapacity {
        let text: String
        do {
            text = try FileIO.readString("/proc/meminfo")
        } catch {
            throw ProbeError(description: "cannot read /proc/meminfo to learn the node's memory: \(error)")
        }
        guard let memory = memTotal(meminfo: text) else {
            throw ProbeError(description: "/proc/meminfo has no MemTotal line")
        }
        let cpus = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
        return NodeCapacity(node: node, rawCPUs: Double(cpus), rawMemoryBytes: memory, reserve: reserve)
    }

    /// Raw figures less the reserve, floored at zero.
    public init(node: String, rawCPUs: Double, rawMemoryBytes: UInt64, reserve: SystemReserve) {
        self.init(node: node, cpus: max(rawCPUs - reserve.cpus, 0),
                  memoryBytes: rawMemoryBytes > reserve.memoryBytes ? rawMemoryBytes - reserve.memoryBytes : 0)
    }

    /// MemTotal of /proc/meminfo in bytes (the file says kB, meaning KiB).
    static func memTotal(meminfo: String) -> UInt64? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kib = UInt64(fields[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }
}
