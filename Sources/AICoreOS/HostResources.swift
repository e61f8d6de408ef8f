#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What this host has, before anything is kept back for the system: CPUs online (`sysconf`)
/// and MemTotal of /proc/meminfo. Blocking (a file read): callers on an actor reach it
/// through a thread of their own.
public struct HostResources: Sendable, Hashable {
    public var cpus: Int
    public var memoryBytes: UInt64

    public init(cpus: Int, memoryBytes: UInt64) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }

    /// Reads this host's figures (`meminfo`: another file, for tests).
    public static func read(meminfo: String = "/proc/meminfo") throws(SystemError) -> HostResources {
        let text = try FileIO.readString(meminfo)
        guard let memory = memTotal(meminfo: text) else {
            throw SystemError(code: .malformedFile, operation: "read \(meminfo)", detail: "no MemTotal line")
        }
        return HostResources(cpus: max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1), memoryBytes: memory)
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
