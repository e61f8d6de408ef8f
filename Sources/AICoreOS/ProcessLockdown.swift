import AICoreSystem
import CAICoreShim
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a long-lived helper process of the agent (the service proxy) gives up before it does
/// anything: every capability but `keep`, from the bounding set too, and the right to gain any
/// back through exec (no_new_privs).
///
/// Capability sets belong to each thread, and a Swift program has several before its first
/// line runs (the cooperative pool, Dispatch): so the calling thread drops them, then the process
/// execs itself again, and the kernel computes the new image's sets (every thread of it) from
/// that thread's bounding set.
public enum ProcessLockdown {
    /// Whether this process runs with nothing beyond `keep` (effective and bounding) and no_new_privs.
    public static func isLockedDown(to keep: CapabilitySet) -> Bool {
        guard let status = try? FileIO.readString("/proc/self/status") else { return false }
        var fields: [String: String] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        func bits(_ name: String) -> UInt64? { fields[name].flatMap { UInt64($0, radix: 16) } }
        guard let effective = bits("CapEff"), let bounding = bits("CapBnd") else { return false }
        return effective & ~keep.bits == 0 && bounding & ~keep.bits == 0 && fields["NoNewPrivs"] == "1"
    }

    /// Drops every capability but `keep` on this thread, then execs `/proc/self/exe` with the
    /// same arguments. Returns only by throwing.
    public static func lockDownAndReexec(keeping keep: CapabilitySet) throws(SystemError) -> Never {
        let status = aic_keep_only_capabilities(keep.bits)
        guard status == 0 else { throw SystemError.errno(status, "drop capabilities but \(keep)") }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        throw SystemError.last("exec /proc/self/exe")
    }
}
