import AICoreErrors
import AICoreOS

#if canImport(Glibc)
import Glibc
#endif

extension LinuxTaskDriver {
    /// Writes the instance's sysctls in its init's namespaces while it waits, after its links
    /// are made and before the workload starts; a failure fails the start.
    static func writeSysctls(_ settings: [NamespaceSysctls.Setting], pid: pid_t) throws(AICoreError) {
        do {
            try NamespaceSysctls.write(settings, pid: pid)
        } catch {
            throw AICoreError(code: .invalidSpec, message: "\(error)", cause: error)
        }
    }
}
