import AICoreSystem
import CAICoreShim
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a long-lived helper process of the agent (the service proxy) gives up before it does
/// anything: every capability but `keep`, from the bounding set too, the right to gain any
/// back through exec (no_new_privs), and, given a seccomp filter, every syscall it does not allow.
///
/// Capability sets belong to each thread, and a Swift program has several before its first
/// line runs (the cooperative pool, Dispatch): so the calling thread drops them, then the process
/// execs itself again, and the kernel computes the new image's sets (every thread of it) from
/// that thread's bounding set. The seccomp filter, loaded on that thread too, is kept across the
/// exec and so applies to every thread of the new image.
public enum ProcessLockdown {
    /// Whether this process runs with nothing beyond `keep` (effective and bounding) and
    /// no_new_privs, and (`filtered`) under a seccomp filter.
    public static func isLockedDown(to keep: CapabilitySet, filtered: Bool = false) -> Bool {
        guard let status = try? FileIO.readString("/proc/self/status") else { return false }
        var fields: [String: String] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        func bits(_ name: String) -> UInt64? { fields[name].flatMap { UInt64($0, radix: 16) } }
        guard let effective = bits("CapEff"), let bounding = bits("CapBnd") else { return false }
        return effective & ~keep.bits == 0 && bounding & ~keep.bits == 0 && fields["NoNewPrivs"] == "1"
            && (!filtered || fields["Seccomp"] == "2")
    }

    /// Drops every capability but `keep` on this thread, loads `filter` on it, then execs
    /// `/proc/self/exe` with the same arguments. Returns only by throwing.
    public static func lockDownAndReexec(keeping keep: CapabilitySet, filter: SeccompFilter? = nil) throws(SystemError) -> Never {
        let status = aic_keep_only_capabilities(keep.bits)
        guard status == 0 else { throw SystemError.errno(status, "drop capabilities but \(keep)") }
        if let filter {
            let loaded = filter.instructions.withUnsafeBufferPointer { aic_load_seccomp_filter($0.baseAddress, $0.count) }
            guard loaded == 0 else { throw SystemError.errno(loaded, "load a seccomp filter of \(filter.instructions.count) instructions") }
        }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        throw SystemError.last("exec /proc/self/exe")
    }
}
