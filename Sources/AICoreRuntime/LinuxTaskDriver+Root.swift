import AICoreErrors
import AICoreOS
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

/// `cp`: an instance's root, reached through /proc/PID/root of its init.
///
/// Why /proc/PID/root and not the rootfs directory the agent mounted: the init runs in the
/// instance's mount namespace after pivot_root, so its root is the tree the workload sees, with
/// its volumes, tmpfs mounts, secrets and /etc/hosts on it; the overlay's merged directory (or
/// the host's root, for a service run from it) has none of them. Opening it follows that one
/// magic link, in the agent; every path inside is then resolved against the descriptor with
/// RESOLVE_IN_ROOT, so the instance's symlinks never lead out.
extension LinuxTaskDriver {
    public func rootDirectory(_ handle: TaskHandle) async throws -> RootedDirectory {
        guard let pidfd = handle.pidfd, !pidfd.hasExited else {
            throw AICoreError(.conflict, "instance \(handle.id) is not running")
        }
        let pid = handle.pid
        let root = try await BlockingWork.run { try RootedDirectory(path: "/proc/\(pid)/root") }
        // The pid named the instance's init when the directory was opened only if that process
        // is still there now: a process that has not exited still holds its pid.
        guard !pidfd.hasExited else {
            throw AICoreError(.conflict, "instance \(handle.id) stopped while its root was being opened")
        }
        return root
    }
}
